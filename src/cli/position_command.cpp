// deconflict position: a position as the field writes it, read in any grid
// and written in every one (or in the one asked for).
//
//   deconflict position "37SDT 64499 07430"
//   deconflict position "33.50583, 38.61778" --grid mgrs --digits 3
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "deconflict/position.hpp"

namespace deconflict::cli {
namespace {

void say_square(const std::string& text, const ReadPosition& p, std::string_view use) {
  std::cerr << "deconflict: '" << text << "' names a square of " << p.square_m << " m; " << use << "\n";
}

struct PositionArgs {
  std::string text, grid;
  int digits = 5;
};

int run_position(const PositionArgs& a) {
  const auto read = read_position(a.text);
  if (!read) return fail(read.error());
  std::optional<Grid> only;
  if (!a.grid.empty()) {
    only = grid_named(a.grid);
    if (!only)
      return fail(make_error(ErrorCode::usage, "no grid '" + a.grid + "': decimal, dms, mgrs or utm", "--grid"));
  }
  for (Grid g : kGrids) {
    if (only && g != *only) continue;
    const auto text = write_position(read->point, g, a.digits);
    if (!text) return fail(text.error());
    std::cout << (only ? "" : std::string(grid_name(g)) + std::string(9 - std::string(grid_name(g)).size(), ' '))
              << *text << "\n";
  }
  if (read->square_m > 0 && !only) say_square(a.text, *read, "the position shown is its centre");
  return kOk;
}

}  // namespace

Result<ReadPosition> read_position_option(const std::string& text, const std::string& option, std::string_view use) {
  auto at = read_position(text);
  if (!at) return make_error(ErrorCode::usage, at.error().message, option);
  if (at->square_m > 0) say_square(text, *at, use);
  return at;
}

Runner add_position(CLI::App& app) {
  auto a = std::make_shared<PositionArgs>();
  app.add_option("position", a->text,
                 "A position: '33.50583, 38.61778' (latitude first), '33°30'21\"N 38°37'04\"E', an MGRS reference "
                 "('37SDT 64499 07430', any precision) or UTM/UPS ('37S 464499 3707430': zone and latitude band, "
                 "easting, northing)")
      ->required();
  app.add_option("--grid", a->grid, "Write it only in this grid: decimal, dms, mgrs or utm");
  app.add_option("--digits", a->digits, "MGRS digits a coordinate, 0 to 11 (5: a square of 1 m)")
      ->check(CLI::Range(0, 11));
  return [a] { return run_position(*a); };
}

}  // namespace deconflict::cli
