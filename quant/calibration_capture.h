#pragma once
// A read-only hook that records, for chosen linear layers, what the calibration text feeds them:
// the per-channel absmax (SmoothQuant), the per-channel mean |x| and a sample of input rows (AWQ),
// and the input Gram matrix X^T X (GPTQ's Hessian up to a factor).
#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

#include "core/base/cancellation.h"
#include "core/model/hooks.h"

namespace qs {

class CalibrationCapture : public TensorHook {
 public:
  using Key = std::tuple<int, TensorRole, int>;  // layer, role, expert
  struct Options {
    bool absmax = false;
    bool meanAbs = false;
    int64_t sampleRows = 0;  // keep up to this many input rows
    bool gram = false;
  };
  struct Inputs {
    at::Tensor absmax;   // [C] float32
    at::Tensor sumAbs;   // [C] float32 (divide by rows for the mean)
    at::Tensor sample;   // [n <= sampleRows, C] float32
    at::Tensor gram;     // [C, C] float32: sum of x x^T
    int64_t rows = 0;
  };

  CalibrationCapture(std::set<Key> keys, Options options) : keys_(std::move(keys)), options_(options) {}
  void operator()(const HookPoint& point, at::Tensor& x) override;

  // Throws qs::Error when the linear never ran on the calibration text.
  const Inputs& inputs(const Key& key) const;
  // nullptr when it never ran (an expert no calibration token was routed to).
  const Inputs* find(const Key& key) const;

 private:
  std::set<Key> keys_;
  Options options_;
  mutable std::mutex mutex_;
  std::map<Key, Inputs> inputs_;
};

class Model;

// Runs the calibration sequences (ids [N, L], one forward each) through the model with `hook`
// installed, and removes it however the loop ends; checks `cancel` (when given) before each one.
void feedCalibration(Model& model, const at::Tensor& ids, const std::shared_ptr<TensorHook>& hook,
                     const CancelToken* cancel = nullptr);

}  // namespace qs
