package simnet

import "testing"

func TestPacketKindString(t *testing.T) {
	if pData.String() != KindSegment || pSYN.String() != KindSYN || pDatagram.String() != KindDatagram {
		t.Fatal("packet kinds do not match the event kinds")
	}
	if got := pktKind(99).String(); got != "unknown(99)" {
		t.Fatalf("unknown kind = %q", got)
	}
}
