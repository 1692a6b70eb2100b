// noether/progress.hpp: progress of long runs on stderr: a bar redrawn in place on a terminal;
// elsewhere (a log file, a pipe, a batch job) one plain line every 30 seconds, so a long scripted
// run shows where it is without filling its log, and a run shorter than that prints nothing.
//
//   Progress bar("train", steps, /*enabled=*/true, /*stride=*/1);
//   for (long i = 1; i <= steps; ++i) { ...; bar.update(i, "loss 1.2e-3"); }
//
// `stride` is how many update() calls pass between looks at the clock (a cheap integer test
// otherwise), so tight loops of millions of steps pay nothing measurable; a loop whose calls are
// each a large piece of work passes 1. (It counted `done`, not calls: a caller advancing by
// anything but a divisor of the stride never redrew.)
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace noether {

class Progress {
 public:
  Progress(std::string label, long total, bool enabled, long stride = 1024,
           std::chrono::milliseconds log_interval = std::chrono::seconds(30))
      : label_(std::move(label)), total_(total), stride_(stride > 0 ? stride : 1), log_interval_(log_interval),
        enabled_(enabled), terminal_(::isatty(2) != 0), start_(std::chrono::steady_clock::now()), last_(start_) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Redraws at most 10 times a second on a terminal, writes a line every `log_interval`
  /// elsewhere; `status` is shown after the counts.
  void update(long done, const std::string& status = {}) {
    if (!enabled_) return;
    seen_ = done;
    if (++calls_ % stride_ != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < (terminal_ ? std::chrono::milliseconds(100) : log_interval_)) return;
    last_ = now;
    status_ = status;
    draw(done, now);
  }
  /// Draws the bar full (a terminal); elsewhere, where lines were written, a closing one with the
  /// last count given to update() unless the last line had it (a run stopped early says where).
  void finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    if (terminal_) {
      draw(total_, std::chrono::steady_clock::now());
      std::fputc('\n', stderr);
    } else if (last_drawn_ >= 0 && last_drawn_ != seen_) {
      draw(seen_, std::chrono::steady_clock::now());
    }
  }

 private:
  void draw(long done, std::chrono::steady_clock::time_point now) {
    const double frac = total_ > 0 ? static_cast<double>(done) / total_ : 1.0;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double eta = frac > 0 ? secs * (1.0 - frac) / frac : 0.0;
    char bar[31];
    const int filled = static_cast<int>(frac * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    if (terminal_)
      std::fprintf(stderr, "\r%s [%s] %5.1f%%  %ld/%ld  %.1fs elapsed, %.1fs left  %s ",
                   label_.c_str(), bar, 100.0 * frac, done, total_, secs, eta, status_.c_str());
    else
      std::fprintf(stderr, "%s: %ld/%ld (%.1f%%), %.0f s elapsed, about %.0f s left%s%s\n", label_.c_str(), done,
                   total_, 100.0 * frac, secs, eta, status_.empty() ? "" : ", ", status_.c_str());
    last_drawn_ = done;
    std::fflush(stderr);
  }
  std::string label_;
  long total_;
  long stride_;
  std::chrono::milliseconds log_interval_;
  long calls_ = 0;
  long last_drawn_ = -1;  ///< the count of the last line written; -1: none yet
  long seen_ = 0;
  bool enabled_;
  bool terminal_;
  bool finished_ = false;
  std::string status_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace noether
