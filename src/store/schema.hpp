// The store's schema, described once for both dialects: migration i takes a
// store from schema version i to i + 1. Where SQLite and PostgreSQL must
// differ (integer widths, booleans, sequences, changing a CHECK), the
// description names the difference and each dialect gets its own words.
//
//   for (int v = stored_version; v < current_schema_version(); ++v) exec(migration(v, Dialect::sqlite));
//
// Pure data; thread-safe.
#pragma once

#include <string>

namespace deconflict::store {

enum class Dialect { sqlite, postgres };

/// The schema version this build writes: how many migrations there are.
int current_schema_version();
/// The SQL of migration `from` (0-based) in the dialect's words.
std::string migration(int from, Dialect dialect);

}  // namespace deconflict::store
