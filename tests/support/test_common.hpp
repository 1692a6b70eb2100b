// tests/support/test_common.hpp: include first in every test file that uses LibTorch.
//
// LibTorch comes before Catch2: Debian's libtorch pulls in glog, whose CHECK macro would
// otherwise replace Catch's, and a failing CHECK would then abort the whole test binary.
// Tests of the torch-free core include tests/support/test_common_core.hpp alone.
#pragma once

#include <torch/torch.h>

#include "tests/support/test_common_core.hpp"
