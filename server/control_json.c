/*
 * The status object of the control protocol, built from plain structs
 * (doc/control-protocol.md, "status").  The field names and the null
 * conventions are spelled here and nowhere else in the daemon.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "control.h"

json_t *
control_json_string(const char *s)
{
	json_t *v;
	char *copy;
	size_t i;

	if (s == NULL)
		return json_null();
	if ((v = json_string(s)) != NULL)
		return v;
	/* Not UTF-8 (jansson refuses it): keep ASCII, mark the rest. */
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

/* Unix time, or null for 0 ("never", "none"). */
static json_t *
time_or_null(int64_t t)
{
	return t != 0 ? json_integer(t) : json_null();
}

json_t *
control_status_new(const struct control_status_hdr *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:[]}",
	    "now", (json_int_t)h->now,
	    "uptime_s", (json_int_t)h->uptime_s,
	    "clients", (json_int_t)h->clients,
	    "workers", (json_int_t)h->workers,
	    "crl_next_update", h->has_crl ? json_integer(h->crl_next_update) :
	    json_null(),
	    "sessions");
}

int
control_status_add(json_t *status, const struct control_client *cl)
{
	json_t *arr, *row;

	if ((arr = json_object_get(status, "sessions")) == NULL ||
	    !json_is_array(arr))
		return -1;
	/* "o" consumes a reference; a NULL (out of memory) fails the pack. */
	row = json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:I, "
	    "s:o, s:o, s:I, s:o, s:o, s:o, s:o}",
	    "common_name", control_json_string(cl->common_name),
	    "real_address", control_json_string(cl->real_address),
	    "virtual_ipv4", control_json_string(cl->virtual_ipv4),
	    "virtual_ipv6", control_json_string(cl->virtual_ipv6),
	    "bytes_in", (json_int_t)cl->bytes_in,
	    "bytes_out", (json_int_t)cl->bytes_out,
	    "connected_since", (json_int_t)cl->connected_since,
	    "data_cipher", control_json_string(cl->data_cipher),
	    "tls_version", control_json_string(cl->tls_version),
	    "key_id", (json_int_t)cl->key_id,
	    "last_rekey", time_or_null(cl->last_rekey),
	    "next_rekey", time_or_null(cl->next_rekey),
	    "worker", (json_int_t)cl->worker,
	    "peer_id", cl->peer_id >= 0 ? json_integer(cl->peer_id) :
	    json_null(),
	    "platform", control_json_string(cl->platform),
	    "version", control_json_string(cl->version),
	    "cert_serial", control_json_string(cl->cert_serial));
	if (row == NULL)
		return -1;
	return json_array_append_new(arr, row);
}
