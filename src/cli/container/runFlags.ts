/** The `run`/`create` options (Docker's names and short flags). */
import type { Command } from 'commander';
import { collect } from './common.js';
import { detachKeysFlag } from '../../engine/detachKeys.js';

export function addRunFlags(c: Command): Command {
  return addResourceFlags(c
    .helpOption('--help', 'display help for command')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--rm', 'Automatically remove the container when it exits')
    .option('--name <string>', 'Assign a name to the container')
    .option('-e, --env <list>', 'Set environment variables', collect, [])
    .option('--env-file <list>', 'Read in a file of environment variables', collect, [])
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-h, --hostname <string>', 'Container host name')
    .option('-l, --label <list>', 'Set meta data on a container', collect, [])
    .option('--label-file <list>', 'Read in a line delimited file of labels', collect, [])
    .option('--cidfile <string>', 'Write the container ID to the file')
    .option('-v, --volume <list>', 'Bind mount a volume', collect, [])
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect, [])
    .option('--tmpfs <list>', 'Mount a tmpfs directory', collect, [])
    .option('--volumes-from <list>', 'Mount volumes from the specified container(s)', collect, [])
    .option('--pull <string>', 'Pull image before running ("always", "missing", "never")', 'missing')
    .option('--platform <string>', "Set platform if server is multi-platform capable (only the host's)")
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('--pod <string>', 'Run the container in an existing pod (its shared namespaces and cgroup)'))
    .option('--device <list>', 'Add a host device to the container', collect, [])
    .option('--device-cgroup-rule <list>', "Add a rule to the cgroup allowed devices list (e.g. 'c 1:3 rwm')", collect, [])
    .option('--gpus <gpu-request>', 'GPU devices to add to the container (not supported: refused)')
    .option('--storage-opt <list>', 'Storage driver options for the container (not supported by the overlay snapshotter: refused)', collect, [])
    .option('--device-read-bps <list>', 'Limit read rate (bytes per second) from a device', collect, [])
    .option('--device-write-bps <list>', 'Limit write rate (bytes per second) to a device', collect, [])
    .option('--device-read-iops <list>', 'Limit read rate (IO per second) from a device', collect, [])
    .option('--device-write-iops <list>', 'Limit write rate (IO per second) to a device', collect, [])
    .option('--blkio-weight-device <list>', 'Block IO weight (relative device weight)', collect, [])
    .option('--memory-swappiness <int>', 'Tune container memory swappiness (0 to 100) (default -1)')
    .option('--oom-kill-disable', 'Disable OOM Killer')
    .option('--ulimit <ulimit>', 'Ulimit options', collect, [])
    .option('--sysctl <map>', 'Sysctl options', collect, [])
    .option('--cap-add <list>', 'Add Linux capabilities', collect, [])
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect, [])
    .option('--privileged', 'Give extended privileges to this container')
    .option('--security-opt <list>', 'Security Options', collect, [])
    .option('--restart <string>', 'Restart policy to apply when a container exits', 'no')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option('--stop-timeout <int>', 'Timeout (in seconds) to stop a container')
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .option('--log-driver <string>', 'Logging driver for the container (json-file, local or none)')
    .option('--log-opt <list>', 'Log driver options', collect, [])
    .option('--oom-score-adj <int>', "Tune host's OOM preferences (-1000 to 1000)")
    .option('--cgroup-parent <string>', 'Optional parent cgroup for the container')
    .option('--network <network>', 'Connect a container to a network (default: the bridge network)', 'default')
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect, [])
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--mac-address <string>', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)')
    .option('--link <list>', 'Add link to another container', collect, [])
    .option('--network-rate <rate>', 'Limit the network rate (e.g. 10mbit, or egress=10mbit,ingress=1mbit)')
    .option('--dns <list>', 'Set custom DNS servers', collect, [])
    .option('--dns-search <list>', 'Set custom DNS search domains', collect, [])
    .option('--dns-option <list>', 'Set DNS options', collect, [])
    .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--expose <list>', 'Expose a port or a range of ports', collect, [])
    .option('-p, --publish <list>', "Publish a container's port(s) to the host", collect, [])
    .option('-P, --publish-all', 'Publish all exposed ports to random ports')
    .option('-a, --attach <list>', 'Attach to STDIN, STDOUT or STDERR', collect, [])
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container', detachKeysFlag)
    .option('--pid <string>', 'PID namespace to use (host or container:<name|id>)')
    .option('--ipc <string>', 'IPC mode to use (private, shareable, none, host or container:<name|id>)')
    .option('--uts <string>', 'UTS namespace to use (host)')
    .option('--cgroupns <string>', "Cgroup namespace to use (host|private): 'host' runs the container in the host's cgroup namespace, 'private' in its own (the default)")
    .option('--userns <string>', 'User namespace to use: host, remap (root is the berth subordinate range) or auto (a range per container)');
}

/** commander's --no-healthcheck arrives as healthcheck: false. */
export function normalizeRunFlags(o: Record<string, unknown>): Record<string, unknown> {
  return { ...o, noHealthcheck: o.healthcheck === false };
}

/** The resource flags `run`/`create` and `update` share. */
export function addResourceFlags(c: Command): Command {
  return c
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)');
}
