#pragma once
// Seeded random orthogonal matrices for rotation methods (QuaRot): a rotation spreads an outlier
// channel over every channel, so per-token and per-group ranges shrink, and Q Q^T = I keeps the
// model's function.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace qs {

// An [n, n] float32 orthogonal matrix, the same for the same (n, seed): a randomized Hadamard
// matrix (Sylvester's construction / sqrt(n), columns times a random +-1) when n is a power of
// two, else the Q of the QR decomposition of a seeded Gaussian matrix with the signs of R's
// diagonal moved into Q (so it is uniformly distributed and unique). Throws qs::Error for n < 1.
at::Tensor randomOrthogonal(int64_t n, uint64_t seed);

}  // namespace qs
