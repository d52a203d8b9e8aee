/*
 * nfs-fuse: the stateful-nfs test bed's NFS client (this machine's kernel has none).
 *
 * Installed (through a wrapper that sets NFS_FUSE_AS=mount.nfs|mount.nfs4, NFS_FUSE_LOG_DIR and
 * NFS_FUSE_RUN_DIR) as /sbin/mount.nfs and /sbin/mount.nfs4, it is called by mount(8) as
 *
 *     mount.nfs SERVER:/PATH TARGET [-rvwfsn] [-o OPTS]
 *
 * checks the export over the NFS version asked (a missing export or a client that is not admitted
 * fails like mount.nfs: "access denied by server while mounting SERVER:/PATH", exit 32), then forks
 * a FUSE daemon (own session, same mount and network namespace as the caller) that serves TARGET and
 * turns every file operation into NFSv3 calls made with the AUTH_SYS credentials (uid, gid,
 * supplementary groups) of the calling process. The helper returns 0 once the FUSE mount is live;
 * the daemon exits when TARGET is unmounted (plain umount) or on SIGTERM (it then unmounts).
 *
 * Why C, libnfs and libfuse3: both are Debian packages (libnfs-dev 4.0, libfuse3-dev 3.14), so a
 * fresh machine gets them from apt; libnfs has a path based API close to the FUSE high-level one
 * and lets us set the RPC credential per call (rpc_set_auth); libfuse3 tells who calls
 * (fuse_get_context, fuse_getgroups). libnfs 4.0 documents its NFSv4 support as not yet
 * functional, so the data path is always NFSv3; vers=4 / mount.nfs4 only changes the export check.
 *
 * Semantics (see README.md next to this file):
 *  - no client-side permission checks (no default_permissions): the server decides; access() is
 *    an NFS ACCESS call. root_squash/all_squash apply as for a kernel client.
 *  - write-through: no libnfs page cache, no FUSE writeback cache, writes opened for writing are
 *    FILE_SYNC (stable on the server when the call returns); fsync additionally sends COMMIT.
 *    Attribute and entry caches last 1 s; the kernel's page cache is dropped at each open
 *    (close-to-open) and when the server's mtime/size changes.
 *  - hard mount: a call that fails at the transport level (connection refused or reset, server
 *    restarting) is retried until it succeeds; "soft" gives up with EIO after the timeout.
 *  - one request at a time: a single-threaded FUSE loop drives one libnfs context, so no lock is
 *    needed around it (and calls are ordered as the kernel sent them).
 * Our own wait loop (instead of libnfs's sync API) never abandons a call in flight: libnfs's
 * sync wrappers return on a failed reconnect with the call still queued and a callback pointing
 * into a dead stack frame.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

#define MNT_EX_USAGE 1
#define MNT_EX_FAIL 32
#define MAX_GROUPS 16 /* AUTH_SYS carries at most 16 supplementary groups */

static const char *prog = "mount.nfs";
static struct nfs_context *nfs;  /* the data path: NFSv3 */
static char server[256], export_path[PATH_MAX], target[PATH_MAX], source[PATH_MAX + 300];
static char nfs_url[PATH_MAX + 400];
static char hostname[256] = "nfs-fuse";
static char pid_file[PATH_MAX];
static int opt_ro, opt_soft, opt_vers = 3, opt_port, opt_mountport;
static int opt_timeo = 600, opt_retrans = 2; /* deciseconds, as nfs(5); TCP defaults */
static struct fuse *fuse_handle;

/* ---------------------------------------------------------------- logging */
static void logmsg(const char *fmt, ...)
{
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ nfs-fuse[%d] %s: ", ts, now.tv_nsec / 1000000, getpid(), target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ------------------------------------------------- one libnfs call, awaited */
enum kind { K_NONE, K_STAT, K_PTR, K_READ, K_STR, K_STATVFS };

struct call {
	int done, status, kind;
	void *out;
	size_t outlen;
	char err[256];
};

static void call_cb(int status, struct nfs_context *ctx, void *data, void *priv)
{
	struct call *c = priv;
	(void)ctx;
	c->status = status;
	c->done = 1;
	if (status < 0) {
		snprintf(c->err, sizeof(c->err), "%s", data ? (const char *)data : "cancelled");
		return;
	}
	switch (c->kind) {
	case K_STAT:
		memcpy(c->out, data, sizeof(struct nfs_stat_64));
		break;
	case K_STATVFS:
		memcpy(c->out, data, sizeof(struct nfs_statvfs_64));
		break;
	case K_PTR:
		*(void **)c->out = data;
		break;
	case K_READ:
		if ((size_t)status > c->outlen)
			c->status = (int)c->outlen;
		memcpy(c->out, data, c->status);
		break;
	case K_STR:
		snprintf(c->out, c->outlen, "%s", (const char *)data);
		break;
	}
}

/* Drive the context until the call's callback ran. Reconnects happen inside libnfs
 * (autoreconnect -1): a refused connect while the server restarts makes nfs_service()
 * report an error, but the call stays queued and a new connect is under way. */
static void wait_call(struct call *c)
{
	double no_fd_since = 0, last_log = 0;

	while (!c->done) {
		/* [1]: the FUSE device; POLLERR there means our mount is gone (unmounted, aborted) */
		struct pollfd p[2] = {{.fd = nfs_get_fd(nfs), .events = nfs_which_events(nfs)},
				      {.fd = fuse_handle ? fuse_session_fd(fuse_get_session(fuse_handle)) : -1}};
		int rev = 0;

		if (poll(p, 2, 100) > 0) {
			rev = p[0].revents;
			if (p[1].revents & (POLLERR | POLLHUP))
				fuse_session_exit(fuse_get_session(fuse_handle));
		}
		if (nfs_service(nfs, rev) < 0 || (rev & (POLLERR | POLLHUP))) {
			if (now_s() - last_log > 10) {
				logmsg("server %s not responding, still trying (%s)", server, nfs_get_error(nfs));
				last_log = now_s();
			}
			usleep(200000); /* do not spin on refused connects */
		}
		if (!c->done && fuse_handle && fuse_session_exited(fuse_get_session(fuse_handle))) {
			/* SIGTERM while the server is away: cancel (the callback runs) and let the loop end */
			logmsg("exiting while a call waits for the server: cancelling it");
			nfs_destroy_context(nfs);
			nfs = NULL;
			if (!c->done) {
				c->done = 1;
				c->status = -EIO;
				snprintf(c->err, sizeof(c->err), "NFS3ERR_IO: unmounting");
			}
			return;
		}
		if (nfs_get_fd(nfs) < 0 && !c->done) {
			/* no socket and nothing in progress: libnfs gave up; cancel the call (the
			 * callback runs with an error) and let the caller build a new context */
			if (!no_fd_since)
				no_fd_since = now_s();
			else if (now_s() - no_fd_since > 5) {
				logmsg("no connection for 5s, starting a new NFS context");
				nfs_destroy_context(nfs);
				nfs = NULL;
				if (!c->done) {
					c->done = 1;
					c->status = -EFAULT;
					snprintf(c->err, sizeof(c->err), "context reset");
				}
				return;
			}
		} else {
			no_fd_since = 0;
		}
	}
	if (last_log)
		logmsg("server %s OK again", server);
}

/* A failure of the transport (not an NFS status), or the server's "later": retry (hard) or time out (soft). */
static int transport_error(const struct call *c)
{
	if (c->status == -EFAULT || c->status == -EINTR)
		return 1;
	if (c->status == -EAGAIN) /* NFS3ERR_JUKEBOX: the server asks us to try again later */
		return 1;
	/* NFS3ERR_IO maps to -EIO as well; libnfs's status messages name the NFS3ERR_ code */
	return c->status == -EIO && !strstr(c->err, "NFS3ERR");
}

static struct nfs_context *new_context(int version, int timeout_ms)
{
	struct nfs_context *ctx = nfs_init_context();
	struct nfs_url *url;

	if (!ctx)
		return NULL;
	snprintf(nfs_url, sizeof(nfs_url), "nfs://%s%s?version=%d", server, export_path, version);
	if (opt_port)
		snprintf(nfs_url + strlen(nfs_url), sizeof(nfs_url) - strlen(nfs_url), "&nfsport=%d", opt_port);
	if (opt_mountport && version == 3)
		snprintf(nfs_url + strlen(nfs_url), sizeof(nfs_url) - strlen(nfs_url), "&mountport=%d", opt_mountport);
	url = nfs_parse_url_dir(ctx, nfs_url); /* applies version/ports to the context */
	if (!url) {
		logmsg("bad URL %s: %s", nfs_url, nfs_get_error(ctx));
		nfs_destroy_context(ctx);
		return NULL;
	}
	nfs_destroy_url(url);
	nfs_set_pagecache(ctx, 0);
	nfs_set_readahead(ctx, 0);
	nfs_set_dircache(ctx, 0);
	nfs_set_timeout(ctx, timeout_ms);
	return ctx;
}

static int mount_data_context(char *err, size_t errlen)
{
	struct call c = {0};

	nfs = new_context(3, opt_timeo * 100);
	if (!nfs) {
		snprintf(err, errlen, "cannot create an NFS context");
		return -ENOMEM;
	}
	nfs_set_autoreconnect(nfs, -1);
	if (nfs_mount_async(nfs, server, export_path, call_cb, &c) != 0) {
		snprintf(err, errlen, "%s", nfs_get_error(nfs));
		nfs_destroy_context(nfs);
		nfs = NULL;
		return -EIO;
	}
	wait_call(&c);
	if (c.status < 0) {
		snprintf(err, errlen, "%s", c.err);
		if (nfs) {
			nfs_destroy_context(nfs);
			nfs = NULL;
		}
	}
	return c.status;
}

/* The caller's AUTH_SYS credential; a new AUTH only when it changes (rpc_set_auth frees the old). */
static void set_creds(void)
{
	static uid_t luid = (uid_t)-1;
	static gid_t lgid = (gid_t)-1;
	static uint32_t lgroups[MAX_GROUPS];
	static int lng = -1;
	static struct nfs_context *lctx;
	struct fuse_context *fc = fuse_get_context();
	uid_t uid = fc ? fc->uid : 0;
	gid_t gid = fc ? fc->gid : 0;
	gid_t g[MAX_GROUPS];
	uint32_t groups[MAX_GROUPS];
	int n = 0, i;

	if (fc && fc->pid > 0) {
		n = fuse_getgroups(MAX_GROUPS, g);
		if (n < 0)
			n = 0;
		if (n > MAX_GROUPS)
			n = MAX_GROUPS;
	}
	for (i = 0; i < n; i++)
		groups[i] = g[i];
	if (lctx == nfs && uid == luid && gid == lgid && n == lng && !memcmp(groups, lgroups, n * sizeof(uint32_t)))
		return;
	rpc_set_auth(nfs_get_rpc_context(nfs), libnfs_authunix_create(hostname, uid, gid, n, groups));
	luid = uid;
	lgid = gid;
	lng = n;
	memcpy(lgroups, groups, n * sizeof(uint32_t));
	lctx = nfs;
}

/* RUN(c, start): start = an nfs_*_async call with (call_cb, &c), retried on transport
 * errors until it succeeds (hard) or the soft timeout passed. A statement expression (no
 * nested functions, so no executable stack). */
struct retry {
	double t0, last_log;
};

static int attempt_prepare(struct call *c)
{
	char err[256];

	c->done = 0;
	c->status = 0;
	c->err[0] = 0;
	if (!nfs && fuse_handle && fuse_session_exited(fuse_get_session(fuse_handle))) {
		c->status = -EIO;
		snprintf(c->err, sizeof(c->err), "NFS3ERR_IO: unmounting");
		return 0;
	}
	if (!nfs && mount_data_context(err, sizeof(err)) < 0) {
		c->status = -EIO;
		snprintf(c->err, sizeof(c->err), "remount: %s", err);
		return 0;
	}
	set_creds();
	return 1;
}

static int queue_failed(struct call *c)
{
	snprintf(c->err, sizeof(c->err), "%s", nfs_get_error(nfs));
	logmsg("cannot queue the call: %s", c->err);
	return -EIO;
}

static int attempt_finish(struct call *c, struct retry *rt, int *result)
{
	int soft_limit = opt_timeo / 10 * (opt_retrans + 1);

	if (!transport_error(c) && !(c->status == -EIO && !strncmp(c->err, "remount", 7))) {
		if (rt->last_log)
			logmsg("server %s OK again", server);
		*result = c->status;
		if (c->status == -ERANGE && strstr(c->err, "NFS3ERR_DQUOT"))
			*result = -EDQUOT; /* libnfs maps DQUOT to ERANGE */
		return 1;
	}
	*result = -EIO;
	if (opt_soft && now_s() - rt->t0 > soft_limit) {
		logmsg("soft mount: giving up after %ds: %s", soft_limit, c->err);
		return 1;
	}
	if (fuse_handle && fuse_session_exited(fuse_get_session(fuse_handle))) {
		logmsg("exiting: dropping a call: %s", c->err);
		return 1;
	}
	if (now_s() - rt->last_log > 10) {
		logmsg("server %s not responding, retrying: %s", server, c->err);
		rt->last_log = now_s();
	}
	sleep(1);
	return 0;
}

#define RUN(c, start) ({                                                  \
	struct retry _rt = {now_s(), 0};                                  \
	int _res;                                                         \
	for (;;) {                                                        \
		if (attempt_prepare(&(c))) {                              \
			if ((start) != 0) {                               \
				_res = queue_failed(&(c));                \
				break;                                    \
			}                                                 \
			wait_call(&(c));                                  \
		}                                                         \
		if (attempt_finish(&(c), &_rt, &_res))                    \
			break;                                            \
	}                                                                 \
	_res; })

/* ---------------------------------------------------------- FUSE operations */
static void to_stat(const struct nfs_stat_64 *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = n->nfs_dev;
	st->st_ino = n->nfs_ino;
	st->st_mode = n->nfs_mode;
	st->st_nlink = n->nfs_nlink;
	st->st_uid = n->nfs_uid;
	st->st_gid = n->nfs_gid;
	st->st_rdev = n->nfs_rdev;
	st->st_size = n->nfs_size;
	st->st_blksize = n->nfs_blksize;
	st->st_blocks = n->nfs_blocks;
	st->st_atim.tv_sec = n->nfs_atime;
	st->st_atim.tv_nsec = n->nfs_atime_nsec;
	st->st_mtim.tv_sec = n->nfs_mtime;
	st->st_mtim.tv_nsec = n->nfs_mtime_nsec;
	st->st_ctim.tv_sec = n->nfs_ctime;
	st->st_ctim.tv_nsec = n->nfs_ctime_nsec;
}

#define FH(fi) ((struct nfsfh *)(uintptr_t)(fi)->fh)
#define RO_CHECK() do { if (opt_ro) return -EROFS; } while (0)

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE; /* write-through */
	cfg->use_ino = 1;           /* NFS fileids as inode numbers */
	cfg->attr_timeout = 1.0;    /* short caches: another client's change shows within 1 s */
	cfg->entry_timeout = 1.0;
	cfg->negative_timeout = 0;
	cfg->kernel_cache = 0;      /* drop cached pages at open: close-to-open */
	cfg->auto_cache = 0;
	cfg->direct_io = 0;         /* keep mmap working */
	cfg->hard_remove = 0;       /* an open file that is unlinked is renamed (.fuse_hidden*) like NFS silly rename */
	return NULL;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct nfs_stat_64 n;
	struct call c = {.kind = K_STAT, .out = &n};
	int r;

	if (fi && fi->fh)
		r = RUN(c, nfs_fstat64_async(nfs, FH(fi), call_cb, &c));
	else
		r = RUN(c, nfs_lstat64_async(nfs, path, call_cb, &c));
	if (r < 0)
		return r;
	to_stat(&n, st);
	return 0;
}

static int op_access(const char *path, int mask)
{
	struct nfs_stat_64 n;
	struct call c = {.kind = K_STAT, .out = &n};

	if (mask == F_OK)
		return RUN(c, nfs_lstat64_async(nfs, path, call_cb, &c));
	if ((mask & W_OK) && opt_ro)
		return -EROFS;
	c.kind = K_NONE;
	return RUN(c, nfs_access_async(nfs, path, mask, call_cb, &c));
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct call c = {.kind = K_STR, .out = buf, .outlen = size};
	int r = RUN(c, nfs_readlink_async(nfs, path, call_cb, &c));
	return r < 0 ? r : 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct nfsdir *dir = NULL;
	struct nfsdirent *e;
	struct call c = {.kind = K_PTR, .out = &dir};
	int r;
	(void)off; (void)fi; (void)flags;

	r = RUN(c, nfs_opendir_async(nfs, path, call_cb, &c));
	if (r < 0)
		return r;
	while ((e = nfs_readdir(nfs, dir)) != NULL) {
		struct stat st = {0};
		st.st_ino = e->inode;
		st.st_mode = e->mode;
		switch (e->type) {
		case NF3DIR: st.st_mode |= S_IFDIR; break;
		case NF3LNK: st.st_mode |= S_IFLNK; break;
		case NF3BLK: st.st_mode |= S_IFBLK; break;
		case NF3CHR: st.st_mode |= S_IFCHR; break;
		case NF3SOCK: st.st_mode |= S_IFSOCK; break;
		case NF3FIFO: st.st_mode |= S_IFIFO; break;
		default: st.st_mode |= S_IFREG; break;
		}
		if (filler(buf, e->name, &st, 0, 0))
			break;
	}
	nfs_closedir(nfs, dir);
	return 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct call c = {0};
	RO_CHECK();
	return RUN(c, nfs_mkdir2_async(nfs, path, mode, call_cb, &c));
}

static int op_unlink(const char *path)
{
	struct call c = {0};
	RO_CHECK();
	return RUN(c, nfs_unlink_async(nfs, path, call_cb, &c));
}

static int op_rmdir(const char *path)
{
	struct call c = {0};
	RO_CHECK();
	return RUN(c, nfs_rmdir_async(nfs, path, call_cb, &c));
}

static int op_symlink(const char *to, const char *path)
{
	struct call c = {0};
	RO_CHECK();
	return RUN(c, nfs_symlink_async(nfs, to, path, call_cb, &c));
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct call c = {0};
	RO_CHECK();
	if (flags)
		return -EINVAL; /* RENAME_NOREPLACE/EXCHANGE: NFSv3 has no such thing */
	return RUN(c, nfs_rename_async(nfs, from, to, call_cb, &c));
}

static int op_link(const char *from, const char *to)
{
	struct call c = {0};
	RO_CHECK();
	return RUN(c, nfs_link_async(nfs, from, to, call_cb, &c));
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct call c = {0};
	RO_CHECK();
	if (fi && fi->fh)
		return RUN(c, nfs_fchmod_async(nfs, FH(fi), mode, call_cb, &c));
	return RUN(c, nfs_lchmod_async(nfs, path, mode, call_cb, &c));
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct call c = {0};
	RO_CHECK();
	if (fi && fi->fh)
		return RUN(c, nfs_fchown_async(nfs, FH(fi), (int)uid, (int)gid, call_cb, &c));
	return RUN(c, nfs_lchown_async(nfs, path, (int)uid, (int)gid, call_cb, &c));
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct call c = {0};
	RO_CHECK();
	if (fi && fi->fh)
		return RUN(c, nfs_ftruncate_async(nfs, FH(fi), size, call_cb, &c));
	return RUN(c, nfs_truncate_async(nfs, path, size, call_cb, &c));
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct call c = {0};
	struct timeval t[2];
	struct timeval *tp = t;
	int i;
	(void)fi;

	RO_CHECK();
	if (tv == NULL || (tv[0].tv_nsec == UTIME_NOW && tv[1].tv_nsec == UTIME_NOW)) {
		tp = NULL; /* SET_TO_SERVER_TIME: needs write permission only, like utime(NULL) */
	} else {
		struct nfs_stat_64 n = {0};
		if (tv[0].tv_nsec == UTIME_OMIT || tv[1].tv_nsec == UTIME_OMIT) {
			struct call s = {.kind = K_STAT, .out = &n};
			int r = RUN(s, nfs_lstat64_async(nfs, path, call_cb, &s));
			if (r < 0)
				return r;
		}
		for (i = 0; i < 2; i++) {
			if (tv[i].tv_nsec == UTIME_OMIT) {
				t[i].tv_sec = i ? n.nfs_mtime : n.nfs_atime;
				t[i].tv_usec = (i ? n.nfs_mtime_nsec : n.nfs_atime_nsec) / 1000;
			} else if (tv[i].tv_nsec == UTIME_NOW) {
				gettimeofday(&t[i], NULL);
			} else {
				t[i].tv_sec = tv[i].tv_sec;
				t[i].tv_usec = tv[i].tv_nsec / 1000;
			}
		}
	}
	return RUN(c, nfs_lutimes_async(nfs, path, tp, call_cb, &c));
}

/* Opened for writing: FILE_SYNC writes (libnfs sends them for O_SYNC handles). O_APPEND is
 * left to the kernel, which passes the offset. */
static int nfs_flags(int flags)
{
	int f = flags & (O_ACCMODE | O_TRUNC | O_EXCL);
	if ((flags & O_ACCMODE) != O_RDONLY)
		f |= O_SYNC;
	return f;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct nfsfh *fh = NULL;
	struct call c = {.kind = K_PTR, .out = &fh};
	int r;

	if (opt_ro && ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)))
		return -EROFS;
	r = RUN(c, nfs_open_async(nfs, path, nfs_flags(fi->flags), call_cb, &c));
	if (r < 0)
		return r;
	fi->fh = (uintptr_t)fh;
	return 0;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct nfsfh *fh = NULL;
	struct call c = {.kind = K_PTR, .out = &fh};
	int r;

	RO_CHECK();
	r = RUN(c, nfs_create_async(nfs, path, nfs_flags(fi->flags) | O_CREAT, mode & 07777, call_cb, &c));
	if (r < 0)
		return r;
	fi->fh = (uintptr_t)fh;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct call c = {.kind = K_READ, .out = buf, .outlen = size};
	(void)path;
	return RUN(c, nfs_pread_async(nfs, FH(fi), off, size, call_cb, &c));
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct call c = {0};
	(void)path;
	RO_CHECK();
	return RUN(c, nfs_pwrite_async(nfs, FH(fi), off, size, buf, call_cb, &c));
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	struct nfs_statvfs_64 n;
	struct call c = {.kind = K_STATVFS, .out = &n};
	int r = RUN(c, nfs_statvfs64_async(nfs, path, call_cb, &c));

	if (r < 0)
		return r;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = n.f_bsize;
	sv->f_frsize = n.f_frsize;
	sv->f_blocks = n.f_blocks;
	sv->f_bfree = n.f_bfree;
	sv->f_bavail = n.f_bavail;
	sv->f_files = n.f_files;
	sv->f_ffree = n.f_ffree;
	sv->f_favail = n.f_favail;
	sv->f_fsid = n.f_fsid;
	sv->f_namemax = n.f_namemax;
	return 0;
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	return 0; /* every write is already FILE_SYNC on the server */
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct call c = {0};
	(void)path; (void)datasync;
	/* writes are FILE_SYNC already; COMMIT anyway, as a kernel client would (also on a
	 * read-only descriptor: fsync applies to the file, e.g. busybox "sync FILE") */
	return RUN(c, nfs_fsync_async(nfs, FH(fi), call_cb, &c));
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct call c = {0};
	(void)path;
	if (fi->fh)
		RUN(c, nfs_close_async(nfs, FH(fi), call_cb, &c)); /* frees the handle */
	return 0;
}

static const struct fuse_operations ops = {
	.init = op_init,
	.getattr = op_getattr,
	.access = op_access,
	.readlink = op_readlink,
	.readdir = op_readdir,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.chmod = op_chmod,
	.chown = op_chown,
	.truncate = op_truncate,
	.utimens = op_utimens,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.statfs = op_statfs,
	.flush = op_flush,
	.fsync = op_fsync,
	.release = op_release,
};

/* ------------------------------------------------------------ mount helper */
static void die_mount(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void parse_opts(char *opts)
{
	char *save = NULL, *o;

	for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *v = strchr(o, '=');
		if (v)
			*v++ = 0;
		if (!strcmp(o, "ro"))
			opt_ro = 1;
		else if (!strcmp(o, "rw"))
			opt_ro = 0;
		else if ((!strcmp(o, "vers") || !strcmp(o, "nfsvers")) && v)
			opt_vers = atoi(v) == 4 ? 4 : 3; /* 4, 4.0, 4.1, 4.2 -> 4 */
		else if (!strcmp(o, "soft"))
			opt_soft = 1;
		else if (!strcmp(o, "hard"))
			opt_soft = 0;
		else if (!strcmp(o, "timeo") && v && atoi(v) > 0)
			opt_timeo = atoi(v);
		else if (!strcmp(o, "retrans") && v && atoi(v) >= 0)
			opt_retrans = atoi(v);
		else if (!strcmp(o, "port") && v)
			opt_port = atoi(v);
		else if (!strcmp(o, "mountport") && v)
			opt_mountport = atoi(v);
		else
			fprintf(stderr, "%s: ignoring option %s%s%s\n", prog, o, v ? "=" : "", v ? v : "");
	}
}

/* The export check over the version asked, as a kernel mount would do it. */
static void check_export(void)
{
	struct nfs_context *ctx = new_context(opt_vers, 30000);

	if (!ctx)
		die_mount(MNT_EX_FAIL, "cannot create an NFS context");
	nfs_set_autoreconnect(ctx, 0);
	if (nfs_mount(ctx, server, export_path) != 0)
		die_mount(MNT_EX_FAIL, "access denied by server while mounting %s (NFSv%d: %s)", source, opt_vers,
			  nfs_get_error(ctx));
	nfs_umount(ctx);
	nfs_destroy_context(ctx);
}

static void remove_pid_file(void)
{
	if (pid_file[0])
		unlink(pid_file);
}

/* The daemon: mount the data context, the FUSE mount, report to the parent, serve. */
static int daemon_main(int report_fd, const char *log_dir, const char *run_dir)
{
	char err[512] = "", logf[PATH_MAX], fsname[PATH_MAX + 320], opts[PATH_MAX + 400];
	char *fargv[4];
	struct fuse_args args;
	int r, fd;

	setsid();
	/* nothing of the caller's (the kubelet's) but the report pipe stays open */
	if (report_fd != 3) {
		dup2(report_fd, 3);
		report_fd = 3;
	}
	closefrom(4);
	snprintf(logf, sizeof(logf), "%s/nfs-fuse.log", log_dir);
	fd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	logmsg("mounting %s (requested NFSv%d%s%s; data path NFSv3%s)", source, opt_vers, opt_ro ? ", ro" : "",
	       opt_soft ? ", soft" : ", hard", opt_vers == 4 ? ": NFSv4 is served over v3 by this client" : "");
	r = mount_data_context(err, sizeof(err));
	if (r < 0) {
		char msg[600];
		snprintf(msg, sizeof(msg), "access denied by server while mounting %s (NFSv3: %s)", source, err);
		logmsg("%s", msg);
		(void)!write(report_fd, msg, strlen(msg));
		return MNT_EX_FAIL;
	}
	/* fsname shows SERVER:/PATH in /proc/mounts, type fuse.nfs */
	snprintf(fsname, sizeof(fsname), "%s", source);
	for (char *p = fsname; *p; p++)
		if (*p == ',')
			*p = '_';
	snprintf(opts, sizeof(opts), "allow_other,subtype=nfs,fsname=%s%s", fsname, opt_ro ? ",ro" : "");
	fargv[0] = "nfs-fuse";
	fargv[1] = "-o";
	fargv[2] = opts;
	fargv[3] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(3, fargv);
	fuse_handle = fuse_new(&args, &ops, sizeof(ops), NULL);
	if (!fuse_handle || fuse_mount(fuse_handle, target) != 0) {
		char msg[600];
		snprintf(msg, sizeof(msg), "FUSE mount of %s on %s failed (see %s)", source, target, logf);
		logmsg("%s", msg);
		(void)!write(report_fd, msg, strlen(msg));
		return MNT_EX_FAIL;
	}
	if (fuse_set_signal_handlers(fuse_get_session(fuse_handle)) != 0)
		logmsg("cannot install signal handlers");
	if (run_dir && *run_dir) {
		FILE *f;
		mkdir(run_dir, 0755);
		snprintf(pid_file, sizeof(pid_file), "%s/%d", run_dir, getpid());
		f = fopen(pid_file, "w");
		if (f) {
			fprintf(f, "%s\n%s\n", target, source);
			fclose(f);
		}
		atexit(remove_pid_file);
	}
	(void)!write(report_fd, "OK", 2);
	close(report_fd);
	if (chdir("/") != 0)
		logmsg("chdir /: %s", strerror(errno));
	logmsg("mounted %s on %s", source, target);
	r = fuse_loop(fuse_handle); /* single-threaded: one NFS call at a time */
	logmsg("unmounted (fuse_loop returned %d)", r);
	fuse_remove_signal_handlers(fuse_get_session(fuse_handle));
	fuse_unmount(fuse_handle);
	fuse_destroy(fuse_handle);
	if (nfs)
		nfs_destroy_context(nfs);
	return 0;
}

static int umount_main(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			break;
	if (i >= argc)
		die_mount(MNT_EX_USAGE, "usage: umount.nfs dir [-fvnrlh]");
	if (umount2(argv[i], 0) != 0 && umount2(argv[i], MNT_DETACH) != 0)
		die_mount(MNT_EX_FAIL, "%s: %s", argv[i], strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	/* the installed wrapper passes the name it was called by (mount.nfs, mount.nfs4, umount.nfs) */
	const char *as = getenv("NFS_FUSE_AS");
	const char *base = as && *as ? as : strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *log_dir = getenv("NFS_FUSE_LOG_DIR");
	const char *run_dir = getenv("NFS_FUSE_RUN_DIR");
	char *colon, opts_buf[4096] = "";
	int pfd[2], i;
	pid_t pid;

	prog = base;
	if (!strncmp(base, "umount", 6))
		return umount_main(argc, argv);
	if (!strcmp(base, "mount.nfs4"))
		opt_vers = 4;
	if (!log_dir || !*log_dir)
		log_dir = "/tmp";
	if (argc < 3 || argv[1][0] == '-')
		die_mount(MNT_EX_USAGE, "usage: %s remotetarget dir [-rvVwfnsh] [-o nfsoptions]", prog);
	snprintf(source, sizeof(source), "%s", argv[1]);
	if (!realpath(argv[2], target))
		die_mount(MNT_EX_FAIL, "mount point %s does not exist", argv[2]);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			strncat(opts_buf, ",", sizeof(opts_buf) - strlen(opts_buf) - 1);
			strncat(opts_buf, argv[++i], sizeof(opts_buf) - strlen(opts_buf) - 1);
		} else if (!strncmp(argv[i], "-o", 2) && argv[i][2]) {
			strncat(opts_buf, ",", sizeof(opts_buf) - strlen(opts_buf) - 1);
			strncat(opts_buf, argv[i] + 2, sizeof(opts_buf) - strlen(opts_buf) - 1);
		} else if (!strcmp(argv[i], "-r")) {
			opt_ro = 1;
		} else if (!strcmp(argv[i], "-w")) {
			opt_ro = 0;
		} /* -s -f -n -v: nothing to do */
	}
	parse_opts(opts_buf);
	colon = strrchr(source, ':');
	if (!colon || colon[1] != '/')
		die_mount(MNT_EX_USAGE, "remote share not in 'host:dir' format");
	snprintf(server, sizeof(server), "%.*s", (int)(colon - source), source);
	if (server[0] == '[' && server[strlen(server) - 1] == ']') { /* [v6addr]:/path */
		memmove(server, server + 1, strlen(server));
		server[strlen(server) - 1] = 0;
	}
	snprintf(export_path, sizeof(export_path), "%s", colon + 1);
	gethostname(hostname, sizeof(hostname) - 1);

	check_export();
	if (opt_vers == 4)
		fprintf(stderr, "%s: %s: NFSv4 checked; the data path is NFSv3 (libnfs 4.0 has no working v4)\n",
			prog, source);

	if (pipe2(pfd, O_CLOEXEC) != 0)
		die_mount(MNT_EX_FAIL, "pipe: %s", strerror(errno));
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die_mount(MNT_EX_FAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(pfd[0]);
		/* a grandchild, so the daemon is not our caller's child (mount(8) waits for us only) */
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? MNT_EX_FAIL : 0);
		exit(daemon_main(pfd[1], log_dir, run_dir));
	}
	close(pfd[1]);
	waitpid(pid, NULL, 0);
	{
		char msg[700];
		ssize_t n = read(pfd[0], msg, sizeof(msg) - 1);
		if (n == 2 && !memcmp(msg, "OK", 2))
			return 0;
		if (n <= 0)
			die_mount(MNT_EX_FAIL, "mounting %s failed: the daemon exited (see %s/nfs-fuse.log)", source, log_dir);
		msg[n] = 0;
		die_mount(MNT_EX_FAIL, "%s", msg);
	}
	return MNT_EX_FAIL;
}
