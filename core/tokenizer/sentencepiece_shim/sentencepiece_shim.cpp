// libqs_sentencepiece_shim.so: the extern "C" face of libsentencepiece (see sentencepiece_shim.h).
#include "core/tokenizer/sentencepiece_shim/sentencepiece_shim.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#define QS_SPM_EXPORT __attribute__((visibility("default")))

struct QsSpmModel {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

void setError(char* error, size_t errorSize, const std::string& message) {
  if (!error || errorSize == 0) return;
  size_t n = std::min(message.size(), errorSize - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

long copyOut(const std::string& value, char* out, size_t capacity) {
  if (out && capacity > 0) std::memcpy(out, value.data(), std::min(value.size(), capacity));
  return static_cast<long>(value.size());
}

}  // namespace

extern "C" {

QS_SPM_EXPORT int qs_spm_abi_version(void) { return QS_SPM_ABI_VERSION; }

QS_SPM_EXPORT QsSpmModel* qs_spm_load(const char* path, char* error, size_t errorSize) {
  try {
    auto* model = new QsSpmModel();
    auto status = model->processor.Load(path);
    if (!status.ok()) {
      setError(error, errorSize, status.ToString());
      delete model;
      return nullptr;
    }
    return model;
  } catch (const std::exception& e) {
    setError(error, errorSize, e.what());
    return nullptr;
  }
}

QS_SPM_EXPORT void qs_spm_free(QsSpmModel* model) { delete model; }

QS_SPM_EXPORT long qs_spm_encode(QsSpmModel* model, const char* text, size_t length, int* ids, size_t capacity,
                                 char* error, size_t errorSize) {
  try {
    std::vector<int> out;
    auto status = model->processor.Encode(std::string_view(text, length), &out);
    if (!status.ok()) {
      setError(error, errorSize, status.ToString());
      return -1;
    }
    if (ids) std::memcpy(ids, out.data(), std::min(out.size(), capacity) * sizeof(int));
    return static_cast<long>(out.size());
  } catch (const std::exception& e) {
    setError(error, errorSize, e.what());
    return -1;
  }
}

QS_SPM_EXPORT long qs_spm_decode(QsSpmModel* model, const int* ids, size_t count, char* text, size_t capacity,
                                 char* error, size_t errorSize) {
  try {
    std::string out;
    auto status = model->processor.Decode(std::vector<int>(ids, ids + count), &out);
    if (!status.ok()) {
      setError(error, errorSize, status.ToString());
      return -1;
    }
    return copyOut(out, text, capacity);
  } catch (const std::exception& e) {
    setError(error, errorSize, e.what());
    return -1;
  }
}

QS_SPM_EXPORT int qs_spm_piece_size(const QsSpmModel* model) { return model->processor.GetPieceSize(); }

QS_SPM_EXPORT int qs_spm_piece_to_id(const QsSpmModel* model, const char* piece, size_t length) {
  std::string_view name(piece, length);
  int id = model->processor.PieceToId(name);
  // PieceToId answers unk_id for unknown pieces; only the unknown piece itself maps there.
  if (id == model->processor.unk_id() && model->processor.IdToPiece(id) != name) return -1;
  return id;
}

QS_SPM_EXPORT long qs_spm_id_to_piece(const QsSpmModel* model, int id, char* piece, size_t capacity) {
  if (id < 0 || id >= model->processor.GetPieceSize()) return -1;
  return copyOut(model->processor.IdToPiece(id), piece, capacity);
}

QS_SPM_EXPORT int qs_spm_bos_id(const QsSpmModel* model) { return model->processor.bos_id(); }
QS_SPM_EXPORT int qs_spm_eos_id(const QsSpmModel* model) { return model->processor.eos_id(); }
QS_SPM_EXPORT int qs_spm_pad_id(const QsSpmModel* model) { return model->processor.pad_id(); }
QS_SPM_EXPORT int qs_spm_unk_id(const QsSpmModel* model) { return model->processor.unk_id(); }

QS_SPM_EXPORT int qs_spm_is_control(const QsSpmModel* model, int id) {
  if (id < 0 || id >= model->processor.GetPieceSize()) return 0;
  return model->processor.IsControl(id) ? 1 : 0;
}

}  // extern "C"
