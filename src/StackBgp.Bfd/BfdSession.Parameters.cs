namespace StackBgp.Bfd;

/// <summary>State transitions, parameter changes and the Poll Sequence (RFC 5880 §6.5, §6.8.3).</summary>
internal sealed partial class BfdSession
{
    /// <summary>
    /// Applies a new configuration for the same key. While Up, changed intervals go through a
    /// Poll Sequence and take effect after the Final (§6.8.3), so the session does not flap.
    /// </summary>
    public BfdSessionOutput Reconfigure(BfdPeerConfig config, long nowUs)
    {
        config.Validate();
        if (config.Key != Config.Key) throw new ArgumentException($"BFD reconfigure of {Config.Key} with another key {config.Key}");
        var old = Config;
        Config = config;
        if (config.Authentication != old.Authentication)
        {
            _auth = config.Authentication is null ? null : new BfdAuthenticator(config.Authentication, (uint)(_random() * uint.MaxValue));
        }
        _cfgTx = config.DesiredMinTxUs;
        _cfgRx = config.RequiredMinRxUs;

        var output = BfdSessionOutput.None;
        if (config.Shutdown != old.Shutdown)
        {
            output |= Transition(config.Shutdown ? BfdFsmEvent.AdminDown : BfdFsmEvent.AdminUp, nowUs);
        }
        if (State == BfdState.Up)
        {
            if (!PollActive && (_cfgTx != _advTx || _cfgRx != _advRx))
            {
                StartPoll();
                output |= BfdSessionOutput.Send;
            }
            // A change during a running poll is sent once the Final arrives (CompletePoll).
        }
        else
        {
            ApplySlowParameters();
        }
        if (config.DetectMultiplier != old.DetectMultiplier) output |= BfdSessionOutput.Send;
        RescheduleAfterChange(nowUs, (output & BfdSessionOutput.StateChanged) != 0, ref output);
        return output;
    }

    private BfdSessionOutput Transition(BfdFsmEvent ev, long nowUs)
    {
        var next = BfdFsm.Next(State, ev);
        if (next.Diagnostic is { } diag) LocalDiagnostic = diag;
        if (next.State == State) return BfdSessionOutput.None;
        var old = State;
        State = next.State;
        StateChanges++;
        if (old == BfdState.Up) SessionDowns++;
        LastStateChangeUs = nowUs;
        if (State == BfdState.Up)
        {
            // §6.8.3: leaving the 1 s "not Up" transmit rate is a parameter change: Poll for it.
            _advTx = _cfgTx;
            _advRx = _cfgRx;
            if (_advTx != _useTx || _advRx != _useRx) StartPoll();
        }
        else
        {
            ApplySlowParameters();
        }
        LastChange = new BfdSessionChange(old, State, LocalDiagnostic);
        return BfdSessionOutput.StateChanged;
    }

    /// <summary>§6.8.3: not Up → desired min TX is at least 1 s; values apply at once, no poll.</summary>
    private void ApplySlowParameters()
    {
        _advTx = Math.Max(SlowTxUs, _cfgTx);
        _advRx = _cfgRx;
        _useTx = _advTx;
        _useRx = _advRx;
        PollActive = false;
    }

    private void StartPoll()
    {
        _advTx = _cfgTx;
        _advRx = _cfgRx;
        PollActive = true;
    }

    /// <summary>Final received: commit the polled values; poll again if the config moved meanwhile.</summary>
    private void CompletePoll(long nowUs)
    {
        _useTx = _advTx;
        _useRx = _advRx;
        PollActive = false;
        if (State == BfdState.Up && (_cfgTx != _advTx || _cfgRx != _advRx))
        {
            StartPoll();
            NextTransmitUs = Math.Min(NextTransmitUs, nowUs);
        }
    }

    /// <summary>
    /// After a state or interval change: send at once when the state changed, start sending when
    /// a passive side first hears its peer, and pull the next transmission in when the negotiated
    /// interval got shorter than the time left (§6.8.7).
    /// </summary>
    private void RescheduleAfterChange(long nowUs, bool stateChanged, ref BfdSessionOutput output)
    {
        if (!CanTransmit)
        {
            NextTransmitUs = Never;
            output &= ~BfdSessionOutput.Send;
            return;
        }
        uint interval = TransmitIntervalUs;
        if (stateChanged || (output & BfdSessionOutput.Send) != 0 || NextTransmitUs == Never)
        {
            output |= BfdSessionOutput.Send;
            NextTransmitUs = nowUs + Jittered(interval);
        }
        else if (interval < _scheduledIntervalUs && NextTransmitUs > nowUs + interval)
        {
            // The negotiated interval got shorter than the wait left: do not keep the peer waiting.
            NextTransmitUs = nowUs + Jittered(interval);
        }
        else
        {
            return;
        }
        _scheduledIntervalUs = interval;
    }
}
