#pragma once
// A wrong-way include on purpose: the store may not see the local API.
// tests/layers/expect_refusal.cmake runs lib/check_layers.cmake over this tree
// and passes only if the check refuses it (this file is never compiled).

#include "api/local_api.hpp"
#include "job/job.hpp"
