#pragma once
// This daemon's name in claims shared with other daemons (PostgreSQL leases):
// host, pid and a random part, new at every start.

#include <string>

namespace weshopd {

std::string instance_name();

} // namespace weshopd
