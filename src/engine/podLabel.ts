/** The label that ties a container to its pod (the pod's ID); read on the start path, so it lives alone. */
export const POD_LABEL = 'io.berth.pod';
/** Set on a pod's infra container. */
export const POD_INFRA_LABEL = 'io.berth.pod.infra';
