// Running a command as a user would, for the tests of the `deconflict` binary
// and of GDAL's tools beside it: its exit status, standard output and error.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace deconflict::testing {

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs `command` with /bin/sh, its standard input from `stdin_path`; its
/// standard error goes through `stderr_path`.
inline Outcome run_command(const std::string& command, const std::string& stdin_path, const std::string& stderr_path) {
  const std::string cmd = command + " < " + stdin_path + " 2> " + stderr_path;
  Outcome r;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(stderr_path);
  return r;
}

}  // namespace deconflict::testing
