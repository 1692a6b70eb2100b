// integrators/dop853.hpp: Dormand-Prince 8(5,3), the reference-solution workhorse.
//
//   for (...) dop853_step(y, t, dt, f);                          // fixed 8th-order steps
//   Result r = integrate_dop853(y, t0, t1, f, opts);              // adaptive, tight tolerances
//
// Order 8, with Hairer's combined 5th- and 3rd-order error estimate for step control. Not
// symplectic. Any vector field. 12 evaluations of f per step (plus one at the new point when
// adaptive). Coefficients from Hairer, Norsett & Wanner, Solving ODEs I (the DOP853 code).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "integrators/adaptive.hpp"
#include "integrators/detail/explicit_rk.hpp"

namespace noether::integrators {

struct Dop853 {
  static constexpr std::size_t kStages = 12;
  static constexpr int kOrder = 8;
  static constexpr int kErrorOrder = 7;  // the controller's exponent is 1/8
  static constexpr bool kFsal = false;
  static constexpr std::array<double, kStages> c{
      0.0,
      0.526001519587677318785587544488e-01,
      0.789002279381515978178381316732e-01,
      0.118350341907227396726757197510,
      0.281649658092772603273242802490,
      0.333333333333333333333333333333,
      0.25,
      0.307692307692307692307692307692,
      0.651282051282051282051282051282,
      0.6,
      0.857142857142857142857142857142,
      1.0};
  static constexpr std::array<std::array<double, kStages>, kStages> a{{
      {},
      {5.26001519587677318785587544488e-2},
      {1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2},
      {2.95875854768068491816892993775e-2, 0.0, 8.87627564304205475450678981324e-2},
      {2.41365134159266685502369798665e-1, 0.0, -8.84549479328286085344864962717e-1,
       9.24834003261792003115737966543e-1},
      {3.7037037037037037037037037037e-2, 0.0, 0.0, 1.70828608729473871279604482173e-1,
       1.25467687566822425016691814123e-1},
      {3.7109375e-2, 0.0, 0.0, 1.70252211019544039314978060272e-1,
       6.02165389804559606850219397283e-2, -1.7578125e-2},
      {3.70920001185047927108779319836e-2, 0.0, 0.0, 1.70383925712239993810214054705e-1,
       1.07262030446373284651809199168e-1, -1.53194377486244017527936158236e-2,
       8.27378916381402288758473766002e-3},
      {6.24110958716075717114429577812e-1, 0.0, 0.0, -3.36089262944694129406857109825,
       -8.68219346841726006818189891453e-1, 2.75920996994467083049415600797e1,
       2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1},
      {4.77662536438264365890433908527e-1, 0.0, 0.0, -2.48811461997166764192642586468,
       -5.90290826836842996371446475743e-1, 2.12300514481811942347288949897e1,
       1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
       -2.03312017085086261358222928593e-2},
      {-9.3714243008598732571704021658e-1, 0.0, 0.0, 5.18637242884406370830023853209,
       1.09143734899672957818500254654, -8.14978701074692612513997267357,
       -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
       2.49360555267965238987089396762, -3.0467644718982195003823669022},
      {2.27331014751653820792359768449, 0.0, 0.0, -1.05344954667372501984066689879e1,
       -2.00087205822486249909675718444, -1.79589318631187989172765950534e1,
       2.79488845294199600508499808837e1, -2.85899827713502369474065508674,
       -8.87285693353062954433549289258, 1.23605671757943030647266201528e1,
       6.43392746015763530355970484046e-1},
  }};
  /// 8th-order weights.
  static constexpr std::array<double, kStages> b{
      5.42937341165687622380535766363e-2, 0.0, 0.0, 0.0, 0.0,
      4.45031289275240888144113950566,    1.89151789931450038304281599044,
      -5.8012039600105847814672114227,    3.1116436695781989440891606237e-1,
      -1.52160949662516078556178806805e-1, 2.01365400804030348374776537501e-1,
      4.47106157277725905176885569043e-2};
  /// 8th-order minus 5th-order weights.
  static constexpr std::array<double, kStages> e5{
      0.1312004499419488073250102996e-1,  0.0, 0.0, 0.0, 0.0,
      -0.1225156446376204440720569753e1,  -0.4957589496572501915214079952,
      0.1664377182454986536961530415e1,   -0.3503288487499736816886487290,
      0.3341791187130174790297318841,     0.8192320648511571246570742613e-1,
      -0.2235530786388629525884427845e-1};
  /// 8th-order minus 3rd-order weights: b - bhat3, with bhat3 nonzero at stages 1, 9 and 12.
  static constexpr std::array<double, kStages> e3{
      5.42937341165687622380535766363e-2 - 0.244094488188976377952755905512,
      0.0, 0.0, 0.0, 0.0,
      4.45031289275240888144113950566,    1.89151789931450038304281599044,
      -5.8012039600105847814672114227,
      3.1116436695781989440891606237e-1 - 0.733846688281611857341361741547,
      -1.52160949662516078556178806805e-1, 2.01365400804030348374776537501e-1,
      4.47106157277725905176885569043e-2 - 0.220588235294117647058823529412e-1};

  template <class State, class F>
  static StepAttempt<State> attempt(const State& y, double t, double h, F&& f, const State& fy,
                                const AdaptiveOptions& o) {
    using T = StateTraits<State>;
    std::vector<State> k;
    const std::size_t evals = detail::rk_stages(y, t, h, f, c, a, k, &fy);
    State y1 = detail::rk_combine(y, h, b, k, kStages);
    // Hairer's estimate: |h| e5^2 / sqrt(e5^2 + 0.01 e3^2), with the sums taken as RMS norms of
    // the (unscaled by h) stage combinations.
    const double n5 = T::error_norm(detail::rk_sum(1.0, e5, k, kStages), y, y1, o.atol, o.rtol);
    const double n3 = T::error_norm(detail::rk_sum(1.0, e3, k, kStages), y, y1, o.atol, o.rtol);
    double denom = n5 * n5 + 0.01 * n3 * n3;
    const double err = denom > 0.0 ? std::abs(h) * n5 * n5 / std::sqrt(denom) : 0.0;
    return {std::move(y1), State(), err, evals};
  }
};

/// One fixed 8th-order Dormand-Prince step of dy/dt = f(t, y), in place.
template <class State, class F>
void dop853_step(State& y, double t, double dt, F&& f) {
  std::vector<State> k;
  detail::rk_stages(y, t, dt, f, Dop853::c, Dop853::a, k);
  y = detail::rk_combine(y, dt, Dop853::b, k, Dop853::kStages);
}

/// Adaptive DOP853 from t0 to t1 (see adaptive.hpp); `observer(t, y)` per accepted step.
template <class State, class F, class Observer>
Result integrate_dop853(State& y, double t0, double t1, F&& f, const AdaptiveOptions& o,
                        Observer&& observer) {
  return integrate_adaptive<Dop853>(y, t0, t1, std::forward<F>(f), o,
                                    std::forward<Observer>(observer));
}

template <class State, class F>
Result integrate_dop853(State& y, double t0, double t1, F&& f, const AdaptiveOptions& o = {}) {
  return integrate_dop853(y, t0, t1, std::forward<F>(f), o, [](double, const State&) {});
}

}  // namespace noether::integrators
