// quantscope-cli forward: logits of given token ids, written to a safetensors file.
#include <ATen/ATen.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_support.h"
#include "core/base/error.h"
#include "core/base/json_text.h"
#include "core/checkpoint/safetensors.h"

namespace qs::cli {
namespace {

// {"key": [[...], ...]} or a bare [[...], ...] -> [batch, seq] int64; rows must have equal length.
at::Tensor readIdMatrix(const std::string& path, const char* key) {
  nlohmann::json j = parseJson(readTextFile(path), path);
  if (j.is_object()) {
    if (!j.contains(key)) throw Error(path + ": expected a key \"" + key + "\"");
    j = j[key];
  }
  if (!j.is_array() || j.empty()) throw Error(path + ": expected a non-empty list of lists of integers");
  std::vector<int64_t> flat;
  size_t width = 0;
  for (size_t r = 0; r < j.size(); ++r) {
    const auto& row = j[r];
    if (!row.is_array()) throw Error(path + ": row " + std::to_string(r) + " is not a list");
    if (r == 0) width = row.size();
    if (row.size() != width || width == 0)
      throw Error(path + ": row " + std::to_string(r) + " has " + std::to_string(row.size()) +
                  " entries, row 0 has " + std::to_string(width) + " (rows must be equal and non-empty)");
    for (size_t c = 0; c < row.size(); ++c) {
      if (!row[c].is_number_integer())
        throw Error(path + ": row " + std::to_string(r) + ", column " + std::to_string(c) + " is not an integer");
      flat.push_back(row[c].get<int64_t>());
    }
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(j.size()), static_cast<int64_t>(width)});
}

int runForward(const std::vector<std::string>& argv) {
  Args args(argv, {"input-ids", "attention-mask", "out", "device", "dtype", "quant", "calib"}, {});
  if (printHelpIfAsked(args, "forward")) return kOk;
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  auto idsPath = args.value("input-ids");
  auto outPath = args.value("out");
  if (!idsPath || !outPath) throw UsageError("--input-ids and --out are required");
  at::Tensor ids = readIdMatrix(*idsPath, "input_ids");
  at::Tensor mask;
  if (auto maskPath = args.value("attention-mask")) {
    mask = readIdMatrix(*maskPath, "attention_mask");
    if (mask.sizes() != ids.sizes()) throw Error(*maskPath + ": shape differs from the input ids");
    if (((mask != 0) & (mask != 1)).any().item<bool>()) throw Error(*maskPath + ": values must be 0 or 1");
  }
  auto model = loadModel(args.positional()[0], args);
  auto quantized = applyQuantOption(*model, args);
  at::Tensor logits = model->forward(ids, mask).cpu().contiguous();
  writeSafetensors(*outPath, {{"logits", logits}});
  std::cout << "wrote logits [" << logits.size(0) << ", " << logits.size(1) << ", " << logits.size(2) << "] to "
            << *outPath << "\n";
  return kOk;
}

const CommandRegistrar kRegister{{
    "forward",
    "logits of token ids to a safetensors file",
    "usage: quantscope-cli forward MODEL --input-ids IDS.json [--attention-mask MASK.json]\n"
    "                               [--quant CONFIG [--calib FILE]] --out LOGITS.safetensors\n"
    "                               [--device D] [--dtype T]\n\n"
    "IDS.json is {\"input_ids\": [[...], ...]} (a bare list of lists is accepted too); MASK.json is\n"
    "{\"attention_mask\": [[1, 0, ...], ...]} with 0 marking padding on either side. The output holds one\n"
    "tensor \"logits\", float32 [batch, seq, vocab].\n"
    "A configuration with a method (W4-g128-awq, W4-g128-gptq, W8A8-smoothquant) computes it first on\n"
    "calibration text: 8 sequences of 256 tokens drawn with seed 1234 from --calib FILE or the bundled\n"
    "calibration text; the time it took is printed.\n",
    runForward,
}};

}  // namespace
}  // namespace qs::cli
