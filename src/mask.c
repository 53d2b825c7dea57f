/* placeholder: replaced by masking (version 1.1) */
#include "postgres.h"
