package sim_test

import (
	"fmt"
	"time"

	"github.com/mgsim/mgsim/sim"
)

// Two processes share a world; the scheduler interleaves them by virtual
// time, and the hour-long sleep costs nothing.
func Example() {
	w := sim.New(sim.Options{Seed: 1})
	w.Go("ticker", func(p *sim.Proc) {
		for i := 0; i < 3; i++ {
			p.Sleep(time.Second)
			fmt.Println("tick at", w.Now())
		}
	})
	w.Go("sleeper", func(p *sim.Proc) {
		p.Sleep(time.Hour)
		fmt.Println("woke at", w.Now())
	})
	if err := w.Run(sim.Never); err != nil {
		fmt.Println(err)
	}
	// Output:
	// tick at 1.000000000s
	// tick at 2.000000000s
	// tick at 3.000000000s
	// woke at 3600.000000000s
}

// Forked streams depend only on the seed and the label.
func ExampleRand_Fork() {
	a := sim.NewRand(7).Fork("latency")
	b := sim.NewRand(7).Fork("latency")
	fmt.Println(a.IntN(1000) == b.IntN(1000))
	// Output: true
}
