#ifndef CEDITLINE_H
#define CEDITLINE_H
// Thin, non-variadic wrappers over libedit's readline interface (Debian: libedit-dev), so Swift
// can drive line editing, history and tab completion.

/// Returns the candidates for the word between `start` and `end` of `line` as a malloc'd,
/// NULL-terminated array of malloc'd strings (or NULL for none). libedit frees them.
typedef char **(*nxp_completer_fn)(const char *line, int start, int end);

/// Sets the program name, the completion callback and the characters that separate words.
void nxp_rl_init(const char *name, nxp_completer_fn completer, const char *word_breaks);
/// Reads one line with editing; returns a malloc'd string without the newline, or NULL at EOF.
char *nxp_rl_readline(const char *prompt);
void nxp_rl_add_history(const char *line);
int nxp_rl_read_history(const char *path);
int nxp_rl_write_history(const char *path);
void nxp_rl_stifle_history(int max_entries);
/// Installs a SIGINT handler that sets a flag and makes a pending readline return an empty line.
void nxp_install_sigint_handler(void);
/// Returns 1 and clears the flag if SIGINT arrived since the last call.
int nxp_take_sigint(void);
/// The address of the flag that the SIGINT handler sets (polled by long computations).
volatile int *nxp_sigint_flag(void);
#endif
