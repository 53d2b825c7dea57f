/* STUB */
#include "kdf.h"
