#include "quant/rotation.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "core/base/error.h"

namespace qs {
namespace {

bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// Sylvester's construction: H_2k = [[H_k, H_k], [H_k, -H_k]], entries +-1.
at::Tensor sylvesterHadamard(int64_t n) {
  at::Tensor h = at::ones({1, 1}, at::kDouble);
  while (h.size(0) < n) h = at::cat({at::cat({h, h}, 1), at::cat({h, -h}, 1)}, 0);
  return h;
}

}  // namespace

at::Tensor randomOrthogonal(int64_t n, uint64_t seed) {
  if (n < 1) throw Error("random rotation: size must be positive, got " + std::to_string(n));
  // Our own generator: the global one would make the result depend on whatever ran before.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Tensor q;
  if (isPowerOfTwo(n)) {
    const at::Tensor signs = at::randint(0, 2, {n}, gen, at::TensorOptions().dtype(at::kDouble)) * 2 - 1;
    q = sylvesterHadamard(n) * signs.unsqueeze(0) / std::sqrt(static_cast<double>(n));
  } else {
    // Double precision so that Q Q^T = I holds to float32 rounding after the cast.
    const at::Tensor g = at::randn({n, n}, gen, at::TensorOptions().dtype(at::kDouble));
    auto [qr, r] = at::linalg_qr(g);
    at::Tensor sign = r.diagonal().sign();
    sign = at::where(sign == 0, at::ones_like(sign), sign);
    q = qr * sign.unsqueeze(0);
  }
  return q.to(at::kFloat).contiguous();
}

}  // namespace qs
