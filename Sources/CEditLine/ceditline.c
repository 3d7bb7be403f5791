#include "ceditline.h"

#include <editline/readline.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nxp_completer_fn swift_completer = NULL;
static volatile int sigint_flag = 0;

// Reads one byte. Ctrl-C interrupts the read (the handler has no SA_RESTART); then this reports
// end of input so readline returns and the caller sees the flag.
static int getbyte_interruptible(FILE *stream) {
  unsigned char c;
  for (;;) {
    // Ctrl-C may land between reads, not only during one: poll with a timeout and look at the
    // flag each time round.
    if (sigint_flag) return EOF;
    struct pollfd p = {fileno(stream), POLLIN, 0};
    int ready = poll(&p, 1, 100);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    ssize_t n = read(fileno(stream), &c, 1);
    if (n == 1) return c;
    if (n == 0) return EOF;
    if (errno == EINTR) {
      if (sigint_flag) return EOF;
      continue;
    }
    return EOF;
  }
}
// Reads one character for libedit. libedit's readline layer takes what this returns as a wide
// character as is, so a UTF-8 sequence is decoded here into its code point (with one byte per
// call, "é" would arrive as two characters and be dropped or garbled). Malformed input gives
// U+FFFD. libedit turns the code point back into UTF-8 under the UTF-8 LC_CTYPE the caller sets.
static int getc_interruptible(FILE *stream) {
  int first = getbyte_interruptible(stream);
  if (first == EOF || first < 0x80) return first;
  int length, code;
  if (first >= 0xC2 && first <= 0xDF) {
    length = 2;
    code = first & 0x1F;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    code = first & 0x0F;
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    code = first & 0x07;
  } else {
    return 0xFFFD;
  }
  for (int i = 1; i < length; i++) {
    int next = getbyte_interruptible(stream);
    if (next == EOF) return EOF;
    if ((next & 0xC0) != 0x80) return 0xFFFD;
    code = (code << 6) | (next & 0x3F);
  }
  static const int minimum[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < minimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0xFFFD;
  return code;
}

static char **pending = NULL;  // candidates for the completion in progress
static int pending_index = 0;

// libedit calls this repeatedly with state 0, 1, 2...; hand out the candidates one by one.
static char *next_candidate(const char *text, int state) {
  (void)text;
  if (state == 0) pending_index = 0;
  if (pending == NULL || pending[pending_index] == NULL) {
    if (pending != NULL) {
      free(pending);
      pending = NULL;
    }
    return NULL;
  }
  return pending[pending_index++];  // ownership passes to libedit
}

static char **attempt_completion(const char *text, int start, int end) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (swift_completer == NULL) return NULL;
  if (pending != NULL) {
    for (int i = pending_index; pending[i] != NULL; i++) free(pending[i]);
    free(pending);
  }
  // Candidates end in "(" or ":" where that is what comes next; never add a space after them.
  rl_completion_append_character = '\0';
  pending = swift_completer(rl_line_buffer, start, end);
  pending_index = 0;
  if (pending == NULL) return NULL;
  return rl_completion_matches(text, next_candidate);
}

void nxp_rl_init(const char *name, nxp_completer_fn completer, const char *word_breaks) {
  rl_readline_name = name;
  swift_completer = completer;
  rl_attempted_completion_function = attempt_completion;
  static char breaks[64];
  strncpy(breaks, word_breaks, sizeof(breaks) - 1);
  rl_completer_word_break_characters = breaks;
  rl_basic_word_break_characters = breaks;
  rl_getc_function = getc_interruptible;
  using_history();
}

char *nxp_rl_readline(const char *prompt) { return readline(prompt); }
void nxp_rl_add_history(const char *line) { add_history(line); }
int nxp_rl_read_history(const char *path) { return read_history(path); }
int nxp_rl_write_history(const char *path) { return write_history(path); }
void nxp_rl_stifle_history(int max_entries) { stifle_history(max_entries); }

static void on_sigint(int sig) {
  (void)sig;
  sigint_flag = 1;
}

void nxp_install_sigint_handler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  sigaction(SIGINT, &sa, NULL);
  // A parent may have started us with SIGINT blocked (the mask survives exec); unblock it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int nxp_take_sigint(void) {
  int was = sigint_flag;
  sigint_flag = 0;
  return was;
}

volatile int *nxp_sigint_flag(void) { return &sigint_flag; }
