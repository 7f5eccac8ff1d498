#include "server/line_lock.hpp"

#include <cerrno>
#include <system_error>

namespace deconflict::server {
namespace {

void check(int error, const char* what) {
  if (error) throw std::system_error(error, std::generic_category(), what);
}

}  // namespace

LineLock::LineLock() {
  pthread_rwlockattr_t attributes;
  check(pthread_rwlockattr_init(&attributes), "pthread_rwlockattr_init");
  // Writers first: a waiting writer keeps new readers out.
  check(pthread_rwlockattr_setkind_np(&attributes, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP),
        "pthread_rwlockattr_setkind_np");
  check(pthread_rwlock_init(&lock_, &attributes), "pthread_rwlock_init");
  pthread_rwlockattr_destroy(&attributes);
}

LineLock::~LineLock() { pthread_rwlock_destroy(&lock_); }

void LineLock::lock() { check(pthread_rwlock_wrlock(&lock_), "pthread_rwlock_wrlock"); }
void LineLock::unlock() { pthread_rwlock_unlock(&lock_); }
void LineLock::lock_shared() { check(pthread_rwlock_rdlock(&lock_), "pthread_rwlock_rdlock"); }
bool LineLock::try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
void LineLock::unlock_shared() { pthread_rwlock_unlock(&lock_); }

}  // namespace deconflict::server
