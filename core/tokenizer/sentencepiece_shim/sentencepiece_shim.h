#pragma once
// The C interface of libqs_sentencepiece_shim.so, the one place libsentencepiece is linked.
// libsentencepiece carries protobuf symbols that clash with the libprotobuf libtorch loads, so
// core opens this module with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) instead of linking it.
// Functions that fill a buffer return the full size needed (a retry with a larger buffer gets
// everything) or -1 on failure with a message in `error`.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QS_SPM_ABI_VERSION 1

typedef struct QsSpmModel QsSpmModel;

int qs_spm_abi_version(void);
// Returns NULL on failure, with the reason in error.
QsSpmModel* qs_spm_load(const char* path, char* error, size_t errorSize);
void qs_spm_free(QsSpmModel* model);
long qs_spm_encode(QsSpmModel* model, const char* text, size_t length, int* ids, size_t capacity, char* error,
                   size_t errorSize);
long qs_spm_decode(QsSpmModel* model, const int* ids, size_t count, char* text, size_t capacity, char* error,
                   size_t errorSize);
int qs_spm_piece_size(const QsSpmModel* model);
// -1 when the piece is not in the vocabulary.
int qs_spm_piece_to_id(const QsSpmModel* model, const char* piece, size_t length);
long qs_spm_id_to_piece(const QsSpmModel* model, int id, char* piece, size_t capacity);
int qs_spm_bos_id(const QsSpmModel* model);
int qs_spm_eos_id(const QsSpmModel* model);
int qs_spm_pad_id(const QsSpmModel* model);
int qs_spm_unk_id(const QsSpmModel* model);
// Control pieces (<s>, </s>, ...) and the unknown piece: what decode with skipping drops.
int qs_spm_is_control(const QsSpmModel* model, int id);

#ifdef __cplusplus
}
#endif
