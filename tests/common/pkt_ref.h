/*
 * Differential check of sip/pkt.c against libre's sip_msg_decode(), the
 * reference decoder: used by the unit tests and by the fuzz target.
 */
#ifndef SW_TESTS_PKT_REF_H
#define SW_TESTS_PKT_REF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decode buf with both.  When both accept it, compare every field the
 * proxy uses; returns false and says which in why when they disagree.
 * *both is set when both decoders accepted the message.
 */
bool pkt_ref_agree(const char *buf, size_t len, bool *both, char *why,
    size_t whysize);

#endif
