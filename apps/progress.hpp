// apps/progress.hpp: the progress bar lives in noether/progress.hpp; this name stays for apps/.
#pragma once

#include "noether/progress.hpp"

namespace noether::apps {
using noether::Progress;
}  // namespace noether::apps
