#pragma once
// The experiment database schema as a list of forward steps: step v takes a database at
// user_version v to v + 1, step 0 creates version 1 from nothing. A new database runs every step,
// an old one the steps it lacks, so both end with byte-for-byte the same schema.
#include <cstdint>
#include <string_view>

namespace qs {

class SqliteDb;

namespace store_schema {

inline constexpr int kCurrentVersion = 5;
// PRAGMA application_id of a QuantScope database: "QSDB" in ASCII.
inline constexpr int64_t kApplicationId = 0x51534442;

// The SQL of step `fromVersion` (0 <= fromVersion < kCurrentVersion).
std::string_view stepSql(int fromVersion);

// Applies the steps from `fromVersion` to kCurrentVersion and sets user_version. The caller holds
// the transaction, so a failed step leaves the file as it was.
void upgrade(const SqliteDb& db, int fromVersion);

}  // namespace store_schema
}  // namespace qs
