/* The thread and signal ways of the hostile corpus (attack_threads.c). */
#ifndef ATTACK_THREADS_H
#define ATTACK_THREADS_H

/* Runs WAY if it is one of them (it does not return), else returns 0. */
int threads_attack(const char *way);

#endif
