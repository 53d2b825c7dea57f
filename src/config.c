/* STUB */
#include "postgres.h"
#include "config.h"
void eckid_define_settings(void) {}
