#include "store/locked_store.hpp"

namespace deconflict::store {

Result<bool> LockedStore::lock() {
  if (in_transaction_) return false;
  if (Status st = begin_locked(); !st) {
    (void)exec("ROLLBACK;");
    return st.error();
  }
  in_transaction_ = true;
  return true;
}

void LockedStore::unlock() {
  if (!in_transaction_ || grouping_) return;
  in_transaction_ = false;
  (void)exec("ROLLBACK;");
}

Status LockedStore::write(WriteBatch& batch) {
  if (auto took = lock(); !took) return took.error();
  Status st = write_savepoint(batch);
  if (grouping_) return st;
  if (!st) {
    unlock();
    return st;
  }
  return commit(false);
}

Status LockedStore::in_savepoint(const std::function<Status()>& write_rows) {
  if (Status st = exec("SAVEPOINT batch;"); !st) return st;
  Status st = write_rows();
  if (st) st = exec("RELEASE batch;");
  if (!st) undo_savepoint();  // the write's own error is the one to report
  return st;
}

void LockedStore::undo_savepoint() { (void)exec("ROLLBACK TO batch; RELEASE batch;"); }

Status LockedStore::end_group() {
  grouping_ = false;
  return in_transaction_ ? commit(true) : Status{};
}

void LockedStore::abandon_group() {
  grouping_ = false;
  unlock();
}

Status LockedStore::begin_read() {
  if (reads_++ > 0 || in_transaction_) return {};
  if (Status st = begin_snapshot(); !st) {
    reads_ = 0;
    return st;
  }
  snapshot_ = true;
  return {};
}

void LockedStore::end_read() {
  if (reads_ == 0 || --reads_ > 0 || !snapshot_) return;
  snapshot_ = false;
  (void)exec("COMMIT;");
}

Status LockedStore::commit(bool group) {
  in_transaction_ = false;
  Status st = exec("COMMIT;");
  if (!st) {
    (void)exec("ROLLBACK;");
    return st;
  }
  return committed(group);
}

}  // namespace deconflict::store
