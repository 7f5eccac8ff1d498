// The record's table in the SQLite store.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string_view>
#include <vector>

#include "deconflict/record.hpp"
#include "deconflict/status.hpp"
#include "store/store.hpp"

namespace deconflict::store {

class StatementCache;

/// Appends entries inside the caller's transaction. The first must follow the
/// stored head (its seq one more, its prev the head's hash): otherwise another
/// writer appended meanwhile, and nothing is written (version_conflict).
Status write_record(sqlite3* db, StatementCache& statements, const std::vector<RecordEntry>& entries);
Result<std::vector<RecordEntry>> read_record(sqlite3* db, int64_t after, size_t limit);
Result<std::vector<RecordEntry>> read_record_about(sqlite3* db, const std::string& subject);
Status read_record_hashes(sqlite3* db, const std::function<void(std::string_view)>& take);
Result<std::vector<SignedStatement>> read_statements_before(sqlite3* db, int64_t before, size_t limit);

}  // namespace deconflict::store
