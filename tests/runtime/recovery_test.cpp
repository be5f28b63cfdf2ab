// Recovery after a stop, on every store: the suite is recovery_suite.hpp;
// the PostgreSQL cases get the run's throwaway server ([postgres]).
#include "recovery_suite.hpp"

using jobforge::test::memory_backend;
using jobforge::test::postgres_backend;
using jobforge::test::sqlite_backend;

JOBFORGE_RECOVERY_SUITE(memory_backend, "memory")
JOBFORGE_RECOVERY_SUITE(sqlite_backend, "sqlite")
JOBFORGE_RECOVERY_SUITE(postgres_backend, "postgres")
