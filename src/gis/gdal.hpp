// GDAL's set-up and error reporting, shared by the GIS reader and writer.
// Internal to src/gis.
#pragma once

#include <cpl_error.h>

#include <string>

namespace deconflict::gis::detail {

/// Registers GDAL's drivers, once per process (thread-safe).
void register_drivers();

/// While alive, GDAL's messages on this thread are kept rather than printed
/// to stderr; last() gives the last error, for the message deconflict returns.
class QuietGdal {
 public:
  QuietGdal() {
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
  }
  ~QuietGdal() { CPLPopErrorHandler(); }
  QuietGdal(const QuietGdal&) = delete;
  QuietGdal& operator=(const QuietGdal&) = delete;

  static std::string last() {
    const char* m = CPLGetLastErrorMsg();
    return m && *m ? m : "no reason given";
  }
};

}  // namespace deconflict::gis::detail
