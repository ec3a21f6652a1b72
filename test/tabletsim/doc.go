// Command tabletsim simulates a replicated database member for the local
// control plane. kwok runs it on the host when the operator execs into a
// member pod, in the directory of the pod's data claim, so its state lives
// with the claim. It answers the ReplicatedStatefulSet hooks:
//
//	tabletsim sequence            print the member's position
//	tabletsim seed|primary        start as a primary
//	tabletsim secondary P...      start following the first primary P
//	tabletsim status              exit 0 secondary, 7 stopped, 8 primary, 1 failed
//	tabletsim stop                stop
//	tabletsim write N             commit N writes on a primary, acknowledged by one secondary; prints the GTIDs committed
//
// Primaries' DNS names, which the operator appends, are accepted and
// ignored by every hook but secondary. A file named crash in the data
// directory makes status and the start hooks fail, for the pod whose UID it
// holds (or any pod when empty); one named wedged makes stop fail.
package main
