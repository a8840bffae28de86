/** A mount for the runtime to perform (containerd's mount.Mount). berth's image store never mounts. */
export interface Mount {
  type: string;
  source: string;
  /** Relative to the container rootfs; absent for the root itself. */
  target?: string;
  options: string[];
}
