#pragma once
// Which process runs a run, so that opening a database can tell a run whose process died (to be
// marked interrupted) from one that another live process is still evaluating (to be left alone).
#include <string>

namespace qs {

// "<host> <pid> <start>": this machine's host name, this process's id, and its start time in clock
// ticks since boot (/proc/self/stat), which tells a reused pid from the process that had it.
std::string currentRunOwner();

// Whether the process an owner string names is alive. False for "" (runs of older databases, and
// imported ones), for another host (SQLite's WAL works only among processes of one machine, so a
// writer elsewhere cannot be sharing this file), for a pid that is gone, and for a pid that now
// belongs to a process started at another time.
bool runOwnerAlive(const std::string& owner);

}  // namespace qs
