/*
 * fuzz-config: any bytes as a config file must give either a config or a
 * list of FILE:LINE errors, never a crash, a leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quitx/config.h"
#include "quitx/log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*conf;
	char			*text;

	log_init(LOG_LVL_ERR);
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string(text, "fuzz.conf", &conf, &errs) == 0)
		config_free(conf);
	else if (errs.count == 0)
		abort();	/* a refusal must always say why */
	config_errors_clear(&errs);
	free(text);
	return 0;
}
