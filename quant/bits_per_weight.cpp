#include "quant/bits_per_weight.h"

#include <ATen/core/Tensor.h>

#include <set>

#include "core/model/model.h"

namespace qs {
namespace {

// Bits stored once per group besides the elements (see the header for the storage assumed).
int groupOverheadBits(const QuantSpec& spec) {
  switch (spec.format) {
    case NumberFormat::Int: return spec.symmetric ? 16 : 32;
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2:
    case NumberFormat::Nf4: return 32;
    case NumberFormat::MxFp4:
    case NumberFormat::MxFp6:
    case NumberFormat::MxFp6E3M2:
    case NumberFormat::MxInt8: return 8;
  }
  return 0;
}

}  // namespace

double bitsPerWeight(const QuantSpec& spec, int64_t rows, int64_t cols) {
  if (!spec.enabled()) return 16.0;
  const QuantSpec s = spec.normalized();
  int64_t groupLength = s.groupSize;
  if (s.granularity == Granularity::PerTensor) groupLength = rows * cols;
  if (s.granularity == Granularity::PerChannel || s.granularity == Granularity::PerToken) groupLength = cols;
  if (groupLength < 1) return static_cast<double>(s.bits);
  return s.bits + static_cast<double>(groupOverheadBits(s)) / static_cast<double>(groupLength);
}

double bitsPerWeight(const QuantConfig& config, const std::vector<LinearShape>& linears) {
  double bits = 0, weights = 0;
  for (const auto& l : linears) {
    const double n = static_cast<double>(l.rows) * static_cast<double>(l.cols);
    const auto spec = config.weightSpecFor(l.layer, l.role);
    bits += n * (spec ? bitsPerWeight(*spec, l.rows, l.cols) : 16.0);
    weights += n;
  }
  return weights > 0 ? bits / weights : 16.0;
}

std::vector<LinearShape> linearShapes(Model& model) {
  std::vector<LinearShape> out;
  std::set<const at::Tensor*> seen;
  for (const auto& lw : model.linearWeights()) {
    if (!lw.weight || !lw.weight->defined() || lw.weight->dim() != 2 || !seen.insert(lw.weight).second) continue;
    out.push_back({lw.layer, lw.role, lw.weight->size(0), lw.weight->size(1)});
  }
  return out;
}

}  // namespace qs
