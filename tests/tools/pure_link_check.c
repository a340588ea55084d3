/*
 * Linked with every object of core/, auth/ and sip/ and no libevent
 * (meson.build): if the pure half ever calls into libevent, the build
 * fails here.  Never run.
 */
int
main(void)
{
	return (0);
}
