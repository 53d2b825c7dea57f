/* placeholder: replaced by the eckid.assign() trigger (version 1.1) */
#include "postgres.h"
