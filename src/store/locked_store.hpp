// The transaction discipline that both stores share: one write lock taken by
// lock() (or by the first write), savepoints for the writes of a group, and
// one commit per change or per group. A store supplies how to begin a locked
// transaction, how to run a statement and how to write a batch's rows.
#pragma once

#include <functional>

#include "store/store.hpp"

namespace deconflict::store {

class LockedStore : public Store {
 public:
  Result<bool> lock() override;
  void unlock() override;
  Status write(WriteBatch& batch) override;
  void begin_group() override { grouping_ = true; }
  Status end_group() override;
  void abandon_group() override;
  bool writing() const override { return in_transaction_; }
  Status begin_read() override;
  void end_read() override;

 protected:
  /// Runs statements that return no rows.
  virtual Status exec(const char* sql) = 0;
  /// Opens a transaction that holds the store's write lock.
  virtual Status begin_locked() = 0;
  /// Opens a read-only transaction that sees one snapshot.
  virtual Status begin_snapshot() = 0;
  /// Writes the batch's rows in the open transaction, as a savepoint named
  /// batch that is released, or rolled back on failure (in_savepoint).
  virtual Status write_savepoint(WriteBatch& batch) = 0;
  /// The savepoint around `write_rows`, one statement at a time.
  Status in_savepoint(const std::function<Status()>& write_rows);
  /// Rolls back to the savepoint named batch and releases it.
  void undo_savepoint();
  bool in_transaction() const { return in_transaction_; }
  /// Called after every successful commit; `group` tells whether it ended a
  /// group. A store whose group syncs are deferred syncs the others here.
  virtual Status committed(bool group) {
    (void)group;
    return {};
  }
  /// A locked or a read transaction is open, or being opened (a snapshot is
  /// open only within a read scope).
  bool owns_transaction() const { return in_transaction_ || reads_ > 0; }

 private:
  Status commit(bool group);
  bool grouping_ = false, in_transaction_ = false, snapshot_ = false;
  int reads_ = 0;  // nested read scopes
};

/// The seq that a batch's rows are stamped with: its last record entry's.
inline int64_t batch_seq(const WriteBatch& batch) { return batch.record.empty() ? 0 : batch.record.back().seq; }

}  // namespace deconflict::store
