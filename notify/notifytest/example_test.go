package notifytest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

// Send a Czech message through a real SMTP server and read it back as a
// mail client would. In tests, use NewServer(t, ...) and Wait(t, ...).
func ExampleStart() {
	srv, err := notifytest.Start(notifytest.WithAuth("mailer", "secret"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	sender, err := notify.NewSMTPSender(srv.SMTPConfig())
	if err != nil {
		panic(err)
	}
	_, err = sender.Send(context.Background(), &notify.Message{
		From:    "Účtárna <uctarna@example.cz>",
		To:      []string{"jan@example.cz"},
		Subject: "Potvrzení přijetí úhrady",
		Text:    "Dobrý den,\n",
	})
	if err != nil {
		panic(err)
	}
	msgs, err := srv.Await(1, 5*time.Second)
	if err != nil {
		panic(err)
	}
	got := msgs[0]
	p, _ := got.Parse()
	fmt.Println(got.Username, got.To)
	fmt.Println(p.From[0].Name, "|", p.Subject)
	fmt.Printf("%q\n", p.Text)
	// Output:
	// mailer [jan@example.cz]
	// Účtárna | Potvrzení přijetí úhrady
	// "Dobrý den,\n"
}
