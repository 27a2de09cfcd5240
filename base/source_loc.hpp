// SPDX-License-Identifier: Apache-2.0
// Where a value came from, for error messages: file:line:col.
#pragma once

#include <string>

namespace faultline {

struct SourceLoc {
  std::string file;
  int line = 0;
  int col = 0;
  std::string str() const { return file + ":" + std::to_string(line) + ":" + std::to_string(col); }
  // Without it every defaulted operator== below that holds a SourceLoc is deleted.
  bool operator==(const SourceLoc&) const = default;
};

}  // namespace faultline
