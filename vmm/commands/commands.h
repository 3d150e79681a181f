/*
 * The `unikvm` subcommands (main.c dispatches). Each takes its argv with
 * argv[0] = the subcommand's name and returns the exit status.
 */
#ifndef UKVM_COMMANDS_H
#define UKVM_COMMANDS_H

#include "image/elf_image.h"

#include <stdio.h>

int cmd_run(int argc, char **argv);	/* run.c */
int cmd_probe(int argc, char **argv);	/* probe.c */
int cmd_pack(int argc, char **argv);	/* pack.c */
int cmd_inspect(int argc, char **argv); /* inspect.c */

/* pack.c: if this executable is a bundle, runs it and returns its exit
 * status; -1 if it is a plain unikvm. */
int bundle_main(int argc, char **argv);

/* run.c: the boot behind `unikvm run`, for bundles (the option parser:
 * options.h). */

/* Parses optv[1..argc) (run options only) and boots img (closed here) with
 * guest argv gargv, named name in messages; returns the exit status. */
int run_image_with_options(int argc, char **optv, struct image *img, const char *name,
			   char **gargv);

/* usage.c: the text of `unikvm --help` on f. */
void usage_print(FILE *f);

#endif
