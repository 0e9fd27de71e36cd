/*
 * FloorFs's twin in C, on libfuse 2's low-level API: names and attributes in memory, nothing
 * else (no contents). It tells whether Mnemo's own FUSE layer (FuseSession) costs more than
 * libfuse does; docs/BENCHMARKS.md has the figures. Not built by the test suite. Needs
 * libfuse-dev:
 *
 *   gcc -O2 -D_FILE_OFFSET_BITS=64 floor.c -o floor $(pkg-config --cflags --libs fuse)
 *   ./floor MOUNTPOINT -f -o default_permissions,allow_other     # serves until unmounted
 */
#define FUSE_USE_VERSION 26
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NODES 4000000
#define SLOTS (1 << 23) /* open addressing: (parent, name) -> node */
#define REMOVED ((fuse_ino_t) -1)

struct node {
    char *name;
    fuse_ino_t parent;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    long children;
};

static struct node *nodes;
static fuse_ino_t *slots;
static fuse_ino_t next_ino = 2;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long hash(fuse_ino_t parent, const char *name) {
    unsigned long h = parent * 1099511628211UL;
    while (*name) {
        h = (h ^ (unsigned char) *name++) * 1099511628211UL;
    }
    return h & (SLOTS - 1);
}

/* The node named name in parent, or 0; *slot is where it is, or where it would go. */
static fuse_ino_t find(fuse_ino_t parent, const char *name, unsigned long *slot) {
    for (unsigned long i = hash(parent, name);; i = (i + 1) & (SLOTS - 1)) {
        fuse_ino_t e = slots[i];
        if (e == 0) {
            *slot = i;
            return 0;
        }
        if (e != REMOVED && nodes[e].parent == parent && !strcmp(nodes[e].name, name)) {
            *slot = i;
            return e;
        }
    }
}

static void fill(fuse_ino_t ino, struct stat *st) {
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = nodes[ino].mode;
    st->st_nlink = S_ISDIR(nodes[ino].mode) ? 2 : 1;
    st->st_uid = nodes[ino].uid;
    st->st_gid = nodes[ino].gid;
    st->st_blksize = 4096;
}

static void entry(struct fuse_entry_param *e, fuse_ino_t ino) {
    memset(e, 0, sizeof *e);
    e->ino = ino;
    e->attr_timeout = 1;
    e->entry_timeout = 1;
    if (ino) {
        fill(ino, &e->attr);
    }
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    struct fuse_entry_param e;
    unsigned long slot;
    pthread_mutex_lock(&lock);
    entry(&e, find(parent, name, &slot)); /* ino 0: a negative entry, cached for 1 s */
    pthread_mutex_unlock(&lock);
    fuse_reply_entry(req, &e);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    struct stat st;
    pthread_mutex_lock(&lock);
    fill(ino, &st);
    pthread_mutex_unlock(&lock);
    fuse_reply_attr(req, &st, 1);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi) {
    ll_getattr(req, ino, fi);
}

/* Adds a node and fills *e; 0 if the name is taken. */
static fuse_ino_t add(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_entry_param *e) {
    unsigned long slot;
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    pthread_mutex_lock(&lock);
    if (find(parent, name, &slot)) {
        pthread_mutex_unlock(&lock);
        return 0;
    }
    fuse_ino_t ino = next_ino++;
    nodes[ino] = (struct node) {strdup(name), parent, mode, ctx->uid, ctx->gid, 0};
    nodes[parent].children++;
    slots[slot] = ino;
    entry(e, ino);
    pthread_mutex_unlock(&lock);
    return ino;
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi) {
    struct fuse_entry_param e;
    if (!add(req, parent, name, S_IFREG | (mode & 07777), &e)) {
        fuse_reply_err(req, EEXIST);
    } else {
        fuse_reply_create(req, &e, fi);
    }
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
    struct fuse_entry_param e;
    if (!add(req, parent, name, S_IFDIR | (mode & 07777), &e)) {
        fuse_reply_err(req, EEXIST);
    } else {
        fuse_reply_entry(req, &e);
    }
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
    unsigned long slot;
    int err = 0;
    pthread_mutex_lock(&lock);
    fuse_ino_t ino = find(parent, name, &slot);
    if (!ino) {
        err = ENOENT;
    } else if (nodes[ino].children > 0) {
        err = ENOTEMPTY;
    } else {
        free(nodes[ino].name);
        nodes[ino].name = NULL;
        nodes[parent].children--;
        slots[slot] = REMOVED;
    }
    pthread_mutex_unlock(&lock);
    fuse_reply_err(req, err);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    fuse_reply_open(req, fi);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    fuse_reply_buf(req, NULL, 0); /* empty: the benchmark lists nothing */
}

static void ll_done(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    fuse_reply_err(req, 0);
}

static struct fuse_lowlevel_ops ops = {
    .lookup = ll_lookup, .getattr = ll_getattr, .setattr = ll_setattr, .create = ll_create,
    .mkdir = ll_mkdir, .unlink = ll_unlink, .rmdir = ll_unlink, .open = ll_open, .opendir = ll_open,
    .readdir = ll_readdir, .flush = ll_done, .release = ll_done, .releasedir = ll_done,
};

int main(int argc, char **argv) {
    nodes = calloc(MAX_NODES, sizeof *nodes);
    slots = calloc(SLOTS, sizeof *slots);
    nodes[1] = (struct node) {"", 1, S_IFDIR | 0755, 0, 0, 0};
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    char *mountpoint;
    if (fuse_parse_cmdline(&args, &mountpoint, NULL, NULL) == -1) {
        return 1;
    }
    struct fuse_chan *ch = fuse_mount(mountpoint, &args);
    if (!ch) {
        return 1;
    }
    struct fuse_session *se = fuse_lowlevel_new(&args, &ops, sizeof ops, NULL);
    fuse_set_signal_handlers(se);
    fuse_session_add_chan(se, ch);
    int rc = fuse_session_loop_mt(se);
    fuse_remove_signal_handlers(se);
    fuse_session_remove_chan(ch);
    fuse_session_destroy(se);
    fuse_unmount(mountpoint, ch);
    return rc;
}
