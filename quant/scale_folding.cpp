#include "quant/scale_folding.h"

#include <ATen/ATen.h>

namespace qs {
namespace {

void scaleColumns(const LinearWeight& lw, const at::Tensor& s) {
  *lw.weight = *lw.weight * s.to(lw.weight->scalar_type()).unsqueeze(0);
}

}  // namespace

void foldIntoNorm(NormGroup& group, const at::Tensor& s) {
  const auto sw = s.to(group.weight->scalar_type());
  if (group.kind == NormKind::RmsNormPlusOne)
    *group.weight = (1.0 + *group.weight) / sw - 1.0;
  else
    *group.weight = *group.weight / sw;
  if (group.bias && group.bias->defined()) *group.bias = *group.bias / s.to(group.bias->scalar_type());
  for (const auto& lw : group.linears) scaleColumns(lw, s);
}

void foldIntoChain(LinearChain& chain, const at::Tensor& s) {
  auto& p = chain.producer;
  *p.weight = *p.weight / s.to(p.weight->scalar_type()).unsqueeze(1);
  if (p.bias && p.bias->defined()) *p.bias = *p.bias / s.to(p.bias->scalar_type());
  scaleColumns(chain.consumer, s);
}

}  // namespace qs
