// apps/progress.hpp: a progress bar on stderr for long runs, drawn only on a terminal.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace noether::apps {

class Progress {
 public:
  Progress(std::string label, long total, bool enabled)
      : label_(std::move(label)), total_(total), enabled_(enabled && ::isatty(2)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}
  ~Progress() { finish(); }

  /// Cheap to call every step: redraws at most 10 times a second.
  void update(long done) {
    if (!enabled_ || (done & 1023) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    draw(done, now);
  }
  void finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    draw(total_, std::chrono::steady_clock::now());
    std::fputc('\n', stderr);
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
    std::fprintf(stderr, "\r%s [%s] %5.1f%%  %ld/%ld  %.1fs elapsed, %.1fs left ", label_.c_str(),
                 bar, 100.0 * frac, done, total_, secs, eta);
    std::fflush(stderr);
  }
  std::string label_;
  long total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace noether::apps
