#ifndef CEDITLINE_H
#define CEDITLINE_H
// Non-variadic wrappers over libedit's readline interface; Swift cannot call C variadic functions.
#include <stddef.h>
#endif
