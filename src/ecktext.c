/* STUB */
#include "ecktext.h"
