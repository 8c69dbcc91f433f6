/**
 * tscni-host-local's own error codes (the spec leaves 100+ to plugins) for
 * failures that no spec code describes.
 */
export const HostLocalCode = {
  /** A range set has no free address left. */
  RangeExhausted: 100,
  /** A requested address is held by someone else. */
  AddressTaken: 101,
  /** The containerID + ifname already holds an address: ADD twice without DEL. */
  AlreadyAllocated: 102,
  /** CHECK: the containerID + ifname holds no address. */
  AllocationMissing: 103,
} as const;
