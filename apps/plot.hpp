// apps/plot.hpp: the one SVG plot writer of the `noether` program (no plotting library needed):
// line plots in panels side by side, a log-scale y option, a legend per panel.
//
//   plot::Figure f;
//   f.title = "kepler, leapfrog";
//   plot::Panel& p = f.add_panel("time", "|E - E0| / |E0|");
//   p.log_y = true;
//   p.lines.push_back({"leapfrog", t, err});
//   plot::write_svg("energy.svg", f);  // atomically; InvalidInput when the path cannot be written
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace noether::apps::plot {

/// One polyline; its colour is its place in the panel's palette.
struct Line {
  std::string label;          ///< the legend entry; empty: none
  std::vector<double> x, y;   ///< same length; non-finite points are left out
  double width = 1.2;         ///< stroke width, px
};

/// A filled dot (the Sun in an orbit plot).
struct Dot {
  double x = 0.0, y = 0.0;
  std::string color = "black";
};

struct Panel {
  std::string x_label;  ///< below the x axis
  std::string y_label;  ///< above the panel's top-left corner
  /// Decades on y with a grid line each; points with y <= 0 are left out.
  bool log_y = false;
  /// One scale on both axes, centred on the origin, the data filling 96 % of the shorter side
  /// (orbits in a plane); no ticks: x_label states the scale.
  bool equal_axes = false;
  /// Left end of the x axis; NaN: the least x of the data.
  double x_min = NAN;
  std::vector<Line> lines;
  std::vector<Dot> dots;
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;  ///< side by side, left to right
  double panel_width = 400.0, panel_height = 340.0;  ///< px, of each panel's plotting area

  /// Appends a panel; the reference holds until the next add_panel().
  Panel& add_panel(std::string x_label, std::string y_label = "");
};

/// The figure as an SVG document.
std::string to_svg(const Figure& figure);

/// Writes to_svg(figure) to path atomically.
void write_svg(const std::string& path, const Figure& figure);

}  // namespace noether::apps::plot
