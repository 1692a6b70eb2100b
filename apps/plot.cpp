#include "apps/plot.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "apps/format.hpp"
#include "noether/atomic_file.hpp"

namespace noether::apps::plot {

namespace {

// Layout, px: room for the y tick labels left of a panel, the title above, the x ticks and label
// below, and the legend (or a margin) right of it.
constexpr double kLeft = 70, kTop = 50, kBottom = 50, kLegend = 130, kMargin = 20;
constexpr int kTicks = 5;  // x ticks, and y ticks on a linear axis
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::size_t kColors = sizeof(kPalette) / sizeof(kPalette[0]);

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

bool has_legend(const Panel& p) {
  return std::any_of(p.lines.begin(), p.lines.end(), [](const Line& l) { return !l.label.empty(); });
}

/// Where a panel's data lands: x and y ranges (y in decades on a log axis) and the pixel box.
struct Frame {
  double x0, y0, w, h;  // plotting area, px
  double xlo, xhi, ylo, yhi;
  bool log_y;

  bool drawn(double x, double y) const { return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0); }
  double px(double x) const { return x0 + (x - xlo) / (xhi - xlo) * w; }
  double py(double y) const { return y0 + h - ((log_y ? std::log10(y) : y) - ylo) / (yhi - ylo) * h; }
};

Frame frame_of(const Panel& p, double x0, double y0, double w, double h) {
  Frame f{x0, y0, w, h, 1e300, -1e300, 1e300, -1e300, p.log_y};
  double r = 0.0;  // equal axes: the largest |coordinate|
  for (const auto& l : p.lines)
    for (std::size_t k = 0; k < std::min(l.x.size(), l.y.size()); ++k) {
      if (!f.drawn(l.x[k], l.y[k])) continue;
      const double y = p.log_y ? std::log10(l.y[k]) : l.y[k];
      f.xlo = std::min(f.xlo, l.x[k]);
      f.xhi = std::max(f.xhi, l.x[k]);
      f.ylo = std::min(f.ylo, y);
      f.yhi = std::max(f.yhi, y);
      r = std::max({r, std::abs(l.x[k]), std::abs(l.y[k])});
    }
  for (const auto& d : p.dots) r = std::max({r, std::abs(d.x), std::abs(d.y)});
  if (p.equal_axes) {
    const double scale = 0.96 * std::min(w, h) / (2.0 * (r > 0 ? r : 1.0));  // px per unit
    f.xlo = -w / (2 * scale), f.xhi = w / (2 * scale);
    f.ylo = -h / (2 * scale), f.yhi = h / (2 * scale);
    return f;
  }
  if (std::isfinite(p.x_min)) f.xlo = p.x_min;
  if (f.xlo > f.xhi) f.xlo = 0.0, f.xhi = 1.0;  // nothing to draw
  if (f.xhi <= f.xlo) f.xhi = f.xlo + 1.0;
  if (f.ylo > f.yhi) f.ylo = p.log_y ? -16.0 : 0.0, f.yhi = f.ylo + 1.0;
  if (p.log_y) {
    f.ylo = std::floor(f.ylo);
    f.yhi = std::max(std::ceil(f.yhi), f.ylo + 1.0);
  } else if (f.yhi <= f.ylo) {
    f.ylo -= 1.0, f.yhi += 1.0;
  }
  return f;
}

void write_panel(std::ostream& os, const Panel& p, const Frame& f, std::size_t index) {
  const double bottom = f.y0 + f.h;
  os << "<clipPath id=\"panel" << index << "\"><rect x=\"" << f.x0 << "\" y=\"" << f.y0 << "\" width=\"" << f.w
     << "\" height=\"" << f.h << "\"/></clipPath>\n";
  if (p.log_y) {
    for (double l = f.ylo; l <= f.yhi; l += 1) {
      const double y = f.py(std::pow(10.0, l));
      os << "<line x1=\"" << f.x0 << "\" x2=\"" << f.x0 + f.w << "\" y1=\"" << y << "\" y2=\"" << y
         << "\" stroke=\"#ddd\"/>\n<text x=\"" << f.x0 - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">1e" << l
         << "</text>\n";
    }
  } else if (!p.equal_axes) {
    for (int i = 0; i < kTicks; ++i) {
      const double v = f.ylo + (f.yhi - f.ylo) * i / (kTicks - 1);
      os << "<text x=\"" << f.x0 - 6 << "\" y=\"" << f.py(v) + 4 << "\" text-anchor=\"end\">" << short_number(v, 3)
         << "</text>\n";
    }
  }
  for (int i = 0; i < kTicks && !p.equal_axes; ++i) {
    const double v = f.xlo + (f.xhi - f.xlo) * i / (kTicks - 1);
    os << "<text x=\"" << f.px(v) << "\" y=\"" << bottom + 18 << "\" text-anchor=\"middle\">"
       << short_number(std::abs(v) < 1e-12 * (f.xhi - f.xlo) ? 0.0 : v) << "</text>\n";
  }
  os << "<rect x=\"" << f.x0 << "\" y=\"" << f.y0 << "\" width=\"" << f.w << "\" height=\"" << f.h
     << "\" fill=\"none\" stroke=\"black\"/>\n"
     << "<text x=\"" << f.x0 + f.w / 2 << "\" y=\"" << bottom + 36 << "\" text-anchor=\"middle\">"
     << escape(p.x_label) << "</text>\n";
  if (!p.y_label.empty())
    os << "<text x=\"" << f.x0 - kLeft + 8 << "\" y=\"" << f.y0 - 10 << "\">" << escape(p.y_label) << "</text>\n";
  std::size_t entry = 0;
  for (std::size_t i = 0; i < p.lines.size(); ++i) {
    const Line& l = p.lines[i];
    const char* color = kPalette[i % kColors];
    os << "<polyline clip-path=\"url(#panel" << index << ")\" fill=\"none\" stroke-width=\"" << l.width
       << "\" stroke=\"" << color << "\" points=\"";
    for (std::size_t k = 0; k < std::min(l.x.size(), l.y.size()); ++k)
      if (f.drawn(l.x[k], l.y[k])) os << f.px(l.x[k]) << ',' << f.py(l.y[k]) << ' ';
    os << "\"/>\n";
    if (!l.label.empty())
      os << "<text x=\"" << f.x0 + f.w + 10 << "\" y=\"" << f.y0 + 14 + 18 * entry++ << "\" fill=\"" << color
         << "\">" << escape(l.label) << "</text>\n";
  }
  for (const auto& d : p.dots)
    os << "<circle cx=\"" << f.px(d.x) << "\" cy=\"" << f.py(d.y) << "\" r=\"3\" fill=\"" << escape(d.color)
       << "\"/>\n";
}

}  // namespace

Panel& Figure::add_panel(std::string x_label, std::string y_label) {
  panels.emplace_back();
  panels.back().x_label = std::move(x_label);
  panels.back().y_label = std::move(y_label);
  return panels.back();
}

std::string to_svg(const Figure& figure) {
  std::vector<Frame> frames;
  double width = 0.0;
  for (const auto& p : figure.panels) {
    frames.push_back(frame_of(p, width + kLeft, kTop, figure.panel_width, figure.panel_height));
    width += kLeft + figure.panel_width + (has_legend(p) ? kLegend : kMargin);
  }
  width = std::max(width, 2 * kLeft);
  const double height = kTop + figure.panel_height + kBottom;
  std::ostringstream os;
  os << std::setprecision(6);
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
     << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << "<text x=\"" << width / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" << escape(figure.title)
     << "</text>\n";
  for (std::size_t i = 0; i < figure.panels.size(); ++i) write_panel(os, figure.panels[i], frames[i], i);
  os << "</svg>\n";
  return os.str();
}

void write_svg(const std::string& path, const Figure& figure) {
  const std::string svg = to_svg(figure);
  write_file_atomically(path, [&](std::ostream& os) { os << svg; });
}

}  // namespace noether::apps::plot
