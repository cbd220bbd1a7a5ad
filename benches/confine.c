/* The confinement of `mcpjail --mode sandbox`, hard-coded: the least any implementation of the
 * same profile can cost. No options, no plan, no checks beyond what the system calls report;
 * only the kernel work that the protections themselves need. The benchmark runs it next to
 * mcpjail, so that what mcpjail adds on top of the kernel's share is visible.
 *
 *     confine split COMMAND...   read on / split around the secrets below $HOME (the default)
 *     confine ro COMMAND...      read on / (as `mcpjail --mode sandbox --ro /`)
 *
 * Same rights as mcpjail on a Landlock ABI 6+ kernel (every filesystem right up to ioctl_dev,
 * signal and abstract-socket scopes), the same writable defaults, capabilities dropped as root,
 * no_new_privs, and a seccomp filter of the same shape (architecture, x32, io_uring, AF_UNIX).
 * Built static, like the floor (benches/build-peers.sh). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXECUTE (1ULL << 0)
#define READ_FILE (1ULL << 2)
#define READ_DIR (1ULL << 3)
#define ALL_FS ((1ULL << 16) - 1)
#define MAKE_CHAR (1ULL << 6)
#define MAKE_BLOCK (1ULL << 11)
#define FILE_RIGHTS (EXECUTE | (1ULL << 1) | READ_FILE | (1ULL << 14) | (1ULL << 15))

struct ruleset_attr { uint64_t fs, net, scoped; };
struct path_beneath { uint64_t allowed; int32_t fd; } __attribute__((packed));

static int ruleset;

static void rule_fd(int fd, uint64_t rights, int is_dir) {
    struct path_beneath pb = { is_dir ? rights : rights & FILE_RIGHTS, fd };
    if (fd >= 0)
        syscall(SYS_landlock_add_rule, ruleset, 1, &pb, 0);
}

static void rule(const char *path, uint64_t rights) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0)
        rule_fd(fd, rights, S_ISDIR(st.st_mode));
}

/* What $HOME's listing leaves out: the secrets, .config (split itself, around gcloud) and the
 * writable defaults (their write rules cover reading). */
static const char *home_skip[] = { ".ssh", ".gnupg", ".aws", ".azure", ".config", ".kube",
    ".docker", ".netrc", ".git-credentials", ".npmrc", ".pypirc", ".mcpproxy", ".npm", ".cache",
    NULL };
static const char *root_skip[] = { "tmp", NULL };
static const char *config_skip[] = { "gcloud", NULL };

static int listed(const char **list, const char *name) {
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], name))
            return 1;
    return 0;
}

/* List `dir` (listing right only on it), read rights on every entry but those in `skip`. */
static void split(const char *dir, const char **skip, const char *also) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    rule_fd(dfd, READ_DIR, 1);
    DIR *d = fdopendir(dup(dfd));
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || e->d_type == DT_LNK)
            continue;
        if (listed(skip, n) || (also && !strcmp(n, also)))
            continue;
        rule_fd(openat(dfd, n, O_PATH | O_NOFOLLOW | O_CLOEXEC), EXECUTE | READ_FILE | READ_DIR,
                e->d_type == DT_DIR);
    }
}

int main(int argc, char **argv) {
    if (argc < 3)
        return 125;
    const char *home = getenv("HOME");
    char path[4096];
    struct ruleset_attr attr = { ALL_FS, 0, 3 };
    ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) {
        perror("confine: landlock");
        return 125;
    }
    static const char *none[] = { NULL };
    if (!strcmp(argv[1], "ro") || !home || home[0] != '/') {
        rule("/", EXECUTE | READ_FILE | READ_DIR);
    } else {
        /* every directory from / down to $HOME is listed, without the next one on the way */
        char dir[4096] = "/", next[256];
        const char *p = home + 1;
        while (*p) {
            size_t n = strcspn(p, "/");
            snprintf(next, sizeof next, "%.*s", (int)n, p);
            split(dir, strcmp(dir, "/") ? none : root_skip, next);
            snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "%s%s", strcmp(dir, "/") ? "/" : "", next);
            p += n + (p[n] == '/');
        }
        split(home, home_skip, NULL);
        snprintf(path, sizeof path, "%s/.config", home);
        split(path, config_skip, NULL);
    }
    uint64_t write = ALL_FS & ~(MAKE_CHAR | MAKE_BLOCK);
    const char *home_dirs[] = { ".npm", ".cache", ".local/share", NULL };
    for (int i = 0; home && home_dirs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", home, home_dirs[i]);
        rule(path, write);
    }
    const char *dev[] = { "/tmp", "/dev/null", "/dev/zero", "/dev/full", "/dev/shm", NULL };
    for (int i = 0; dev[i]; i++)
        rule(dev[i], write);

    if (geteuid() == 0) {
        for (int cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
            ;
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct c[2] = { 0 };
        syscall(SYS_capset, &h, c);
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (syscall(SYS_landlock_restrict_self, ruleset, 0)) {
        perror("confine: restrict");
        return 125;
    }
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 8, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 8, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 7, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 2, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        perror("confine: seccomp");
        return 125;
    }
    execv(argv[2], argv + 2);
    perror("confine: execv");
    return 127;
}
