// Package dunning decides which customers of an ISP are disconnected for
// unpaid invoices and reconnected after paying, and runs those decisions
// against AbraFlexi and a network backend.
//
// # Decisions
//
// The decisions are pure functions over typed data and a given day, with no
// I/O: [DecideMark] (who gets the disconnected label), [PlanBlock] and
// [ResolveBlock] (whose IPs are blocked), [PlanUnblock] and
// [ResolveUnblock] (whose IPs are unblocked and label removed). Each returns
// one decision per customer with a [Reason]; the reasons are the "action"
// strings of the apps' reports (marked_for_disconnection, blocked,
// still_owes, ...). The building blocks are exported too: [IsActiveContract],
// [IsDebt], [Debts], [CheckBlocks], [Verify] and the Czech holiday calendar
// ([CzechHoliday], [IsWorkday], [Easter]).
//
// A customer owes when, in some currency, the sum of what is left to pay
// on their debts — issued invoices and advance invoices that are unpaid or
// partly paid, not cancelled and due before today — less the open amounts
// of their open credit notes in that currency is strictly more than
// [Policy].MinDebt (default 0: any positive amount). Invoices in
// [Policy].HomeCurrency (HOME_CURRENCY, default CZK) count by
// zbyvaUhradit, the others by zbyvaUhraditMen, their own currency's
// amount; sums in different currencies are never added up. Marking and unblocking use the same rule, so a customer
// is never marked and unblocked in turn. A contract is active from
// smlouvaOd to smlouvaDo, not after its notice date datVypoz and not in a
// state of [Policy].InactiveContractStates.
//
// # Runs
//
// [Mark], [Block] and [Unblock] are the bodies of the apps
// abraflexi-mark-defaulters, blocknet and unblocknet, usable from any Go
// service. They read AbraFlexi through the narrow [Source] interface and
// write labels through [LabelWriter] ([AbraFlexi] implements both over an
// *abraflexi.Client; dunningmock holds generated mocks), and change the
// network through one netbackend.Backend.Apply call per run, which the
// Subversion backend turns into one commit. Every read is one paged
// listing, so the number of requests grows with the number of pages, not
// of customers; labels are added in batches. Pass [TodayInPrague] as
// [Options].Today.
//
// # Safety
//
//   - VIP and NEODPOJOVAT customers are never marked nor blocked.
//   - A stale third-reminder label without current debt does not mark.
//   - [Options].DryRun computes and reports the plan and writes nothing.
//   - The circuit breaker ([Policy].MaxBlocks, default 100 in
//     [DefaultPolicy]) makes a block run that would newly cut off more
//     customers block nobody and fail, listing who would have been cut.
//   - [CutWorkdays] defers new blocks on weekends and Czech public holidays.
//   - After applying, block and unblock runs re-read the backend state of
//     every changed IP and report any that is not as planned.
//   - Unblock removes the label only from customers whose IPs were all
//     unblocked (or who have none), re-reading their labels right before
//     the write; whatever failed stays for the next run. Running any run
//     twice in a row changes nothing the second time.
//   - Self-healing: Unblock also reads what the backend holds as blocked by
//     these tools (netbackend.Backend.Blocked) and unblocks every such
//     customer who does not carry the disconnected label, is not in
//     AbraFlexi, or is VIP or NEODPOJOVAT ([ReasonOrphanUnblocked], the
//     decision's Why says which), so a customer left cut off by a race or
//     by another tool removing the label is restored by the next run.
//     Entries blocked by hand are left alone and reported as warnings.
//   - Block and Unblock hold a run lock ([Options].Lock, package
//     netbackend/runlock) for the whole run, keyed by the backend target,
//     so two runs on one machine never interleave on one backend. Runs on
//     several machines rely on the self-healing instead.
//   - An IP on the entries of several customers is never changed: every
//     customer involved gets [ReasonIPConflict] and the rest of the run
//     goes on.
//   - The zero [Policy] has the default circuit breaker; turning it off is
//     the explicit [Unlimited].
//   - The stale-bank-data guard ([Policy].MaxBankDataAge) makes a block
//     run newly block nobody while the newest incoming bank movement is
//     older than the limit ([RefusedStaleBankData], a warning); unblocking
//     is never held back.
//
// # Operator options
//
// All off in the zero [Policy], as in the PHP tools: [Policy].BlockSpeed
// throttles instead of cutting (the kept original marks the entry, so
// everything else works the same); [Policy].MaxBankDataAge is the
// stale-bank-data guard above; [Policy].MinOverdueDays are grace days
// ([MeetsMinOverdue], [ReasonGraceDaysSkipped]). [Options].Notifier sends
// the connection notices ([Notifier]; package notify's ConnectionNotices
// composes and sends them): [Block] tells each customer it holds blocked
// and verified who does not carry [Labels].DisconnectNotified
// ([DisconnectNotices]), [Unblock] those it restored ([ReconnectNotices])
// and removes that label from every restored customer
// ([NoticeLabelsToClear]), so each disconnection is told once.
package dunning
