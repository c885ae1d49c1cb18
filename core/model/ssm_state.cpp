#include "core/model/ssm_state.h"

#include <ATen/ATen.h>

namespace qs {

void SsmState::clear() {
  for (auto& t : conv) t = at::Tensor();
  for (auto& t : ssm) t = at::Tensor();
  DecodeState::clear();
}

std::unique_ptr<DecodeState> SsmState::selectRows(const at::Tensor& rows) const {
  auto out = std::make_unique<SsmState>(static_cast<int>(conv.size()));
  if (length() == 0) return out;
  for (size_t l = 0; l < conv.size(); ++l) {
    if (conv[l].defined()) out->conv[l] = conv[l].index_select(0, rows.to(conv[l].device()));
    if (ssm[l].defined()) out->ssm[l] = ssm[l].index_select(0, rows.to(ssm[l].device()));
  }
  out->commitStep(mask().index_select(0, rows.to(mask().device())));
  return out;
}

}  // namespace qs
